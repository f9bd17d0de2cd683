#!/usr/bin/env bash
# Stops the project-local cluster (data is kept in .data/postgres).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -f "$PGDATA_DIR/PG_VERSION" ] || { log "no project-local cluster"; exit 0; }
BINDIR=$(bash "$ROOT/scripts/db/ensure-postgres-binaries.sh" 2>/dev/null | tail -n1)
if as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  as_owner "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null && log "stopped"
else
  log "not running"
fi
