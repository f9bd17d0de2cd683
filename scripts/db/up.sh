#!/usr/bin/env bash
# Provisions the database and prints the DATABASE_URL to use (last line of stdout).
# - DATABASE_URL set: checks it is reachable and that the 'vector' extension can be created there.
# - otherwise: a project-local cluster under .data/postgres on 127.0.0.1:$LOCAL_PG_PORT (54329),
#   created on first use, started when stopped, reused across runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ -n "${DATABASE_URL:-}" ]; then
  log "DATABASE_URL is set: using it"
  command -v psql >/dev/null || { log "psql is required to check DATABASE_URL (apt-get install postgresql-client)"; exit 1; }
  if ! PGOPTIONS='-c client_min_messages=warning' psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAtc 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null 2>"$ROOT/.data-check.err"; then
    log "Cannot create the 'vector' extension on DATABASE_URL:"; sed 's/^/    /' "$ROOT/.data-check.err" >&2; rm -f "$ROOT/.data-check.err"
    log "Install pgvector on that server (e.g. the pgvector/pgvector:pg15 image) or unset DATABASE_URL to use the project-local cluster."
    exit 1
  fi
  rm -f "$ROOT/.data-check.err"
  echo "$DATABASE_URL"; exit 0
fi

BINDIR=$(bash "$ROOT/scripts/db/ensure-postgres-binaries.sh" | tail -n1)
OWNER=$(pg_owner)
mkdir -p "$ROOT/.data"

# The cluster owner must be able to reach .data; when the checkout lives somewhere it cannot
# (e.g. under /root), keep the files in /var/lib and link them into .data.
if [ "$(id -u)" = 0 ] && ! runuser -u "$OWNER" -- test -x "$ROOT/.data" 2>/dev/null; then
  ALT="/var/lib/controltower/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  log "$OWNER cannot reach $ROOT; keeping cluster files in $ALT (linked from .data)"
  mkdir -p "$ALT/postgres" "$ALT/run"; chown -R "$OWNER" "$ALT"; chmod 700 "$ALT/postgres"
  [ -L "$PGDATA_DIR" ] || { rmdir "$PGDATA_DIR" 2>/dev/null || true; ln -sfn "$ALT/postgres" "$PGDATA_DIR"; }
  [ -L "$PGRUN_DIR" ] || { rmdir "$PGRUN_DIR" 2>/dev/null || true; ln -sfn "$ALT/run" "$PGRUN_DIR"; }
  PGLOG="$ALT/postgres.log"
else
  mkdir -p "$PGDATA_DIR" "$PGRUN_DIR"
  [ "$(id -u)" = 0 ] && chown "$OWNER" "$PGDATA_DIR" "$PGRUN_DIR" && touch "$PGLOG" && chown "$OWNER" "$PGLOG"
fi

if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
  log "initialising a project-local cluster in .data/postgres (port $LOCAL_PG_PORT)"
  PWFILE=$(mktemp); echo "$LOCAL_PG_PASSWORD" > "$PWFILE"; chmod 644 "$PWFILE"
  as_owner "$BINDIR/initdb" -D "$PGDATA_DIR" -U "$LOCAL_PG_USER" --pwfile="$PWFILE" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$PWFILE"
  cat <<CONF | as_owner tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
# --- Control Tower project-local cluster ---
listen_addresses = '127.0.0.1'
port = $LOCAL_PG_PORT
unix_socket_directories = '$PGRUN_DIR'
max_connections = 200
shared_buffers = 256MB
synchronous_commit = off
CONF
fi

if as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  log "project-local cluster already running on port $LOCAL_PG_PORT"
else
  log "starting project-local cluster on 127.0.0.1:$LOCAL_PG_PORT"
  as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -w -t 60 start >/dev/null || {
    log "PostgreSQL failed to start; last lines of $PGLOG:"; tail -n 20 "$PGLOG" >&2; exit 1; }
fi

export PGPASSWORD="$LOCAL_PG_PASSWORD" PGOPTIONS='-c client_min_messages=warning'
if ! psql -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U "$LOCAL_PG_USER" -d postgres -qAtc "SELECT 1 FROM pg_database WHERE datname='$LOCAL_PG_DB'" | grep -q 1; then
  log "creating database $LOCAL_PG_DB"
  psql -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U "$LOCAL_PG_USER" -d postgres -qc "CREATE DATABASE $LOCAL_PG_DB" >/dev/null
fi
psql -h 127.0.0.1 -p "$LOCAL_PG_PORT" -U "$LOCAL_PG_USER" -d "$LOCAL_PG_DB" -qc 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null
echo "$LOCAL_DATABASE_URL"
