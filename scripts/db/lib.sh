# Shared settings for the project-local PostgreSQL cluster. Sourced by up.sh / down.sh.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PGDATA_DIR="$ROOT/.data/postgres"
PGRUN_DIR="$ROOT/.data/run"
PGLOG="$ROOT/.data/postgres.log"
LOCAL_PG_PORT="${LOCAL_PG_PORT:-54329}"
LOCAL_PG_USER=controltower
LOCAL_PG_PASSWORD=controltower
LOCAL_PG_DB=controltower
LOCAL_DATABASE_URL="postgresql://$LOCAL_PG_USER:$LOCAL_PG_PASSWORD@127.0.0.1:$LOCAL_PG_PORT/$LOCAL_PG_DB"

log() { printf '[postgres] %s\n' "$*" >&2; }

# PostgreSQL refuses to run as root; as root we run the cluster as the 'postgres' system user.
pg_owner() {
  if [ "$(id -u)" != 0 ]; then id -un; return; fi
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres >&2
  fi
  echo postgres
}

as_owner() {
  local owner; owner=$(pg_owner)
  if [ "$(id -u)" = 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi
}
