#!/usr/bin/env bash
# Makes sure this machine has PostgreSQL server binaries and the pgvector extension.
# Prints the bin directory of the PostgreSQL it settled on (last line of stdout); everything else goes to stderr.
# Installs with apt only when running as root; otherwise says exactly what to install.
set -euo pipefail

log() { printf '[postgres] %s\n' "$*" >&2; }

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then echo "$PG_BINDIR"; return 0; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir)
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  fi
  for d in /opt/homebrew/opt/postgresql@*/bin /usr/local/opt/postgresql@*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

explain_and_fail() {
  log "$1"
  log "Install it yourself, then re-run:"
  log "  Debian/Ubuntu: sudo apt-get install postgresql postgresql-contrib postgresql-server-dev-<major>"
  log "                 and pgvector (package postgresql-<major>-pgvector where your release has it;"
  log "                 on Debian bookworm build it from trixie's source package: see docs/database.md)"
  log "  macOS:         brew install postgresql@15 pgvector"
  log "Or point DATABASE_URL at a PostgreSQL that has the 'vector' extension available."
  exit 1
}

APT_UPDATED=0
apt_update_once() { if [ "$APT_UPDATED" = 0 ]; then log "apt-get update"; apt-get update -qq >&2; APT_UPDATED=1; fi; }

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ]; then
  can_apt || explain_and_fail "No PostgreSQL server binaries found (initdb) and cannot install them (need root + apt)."
  log "PostgreSQL server binaries not found: installing postgresql with apt"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >&2
  BINDIR=$(find_bindir) || explain_and_fail "apt installed postgresql but no initdb was found."
fi
MAJOR=$("$BINDIR/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/')
log "using PostgreSQL $MAJOR from $BINDIR"

sharedir() {
  if [ -x "$BINDIR/pg_config" ]; then "$BINDIR/pg_config" --sharedir
  elif [ -d "/usr/share/postgresql/$MAJOR" ]; then echo "/usr/share/postgresql/$MAJOR"
  else echo "$(dirname "$BINDIR")/share/postgresql"; fi
}

if [ -f "$(sharedir)/extension/vector.control" ]; then
  log "pgvector is installed"
  echo "$BINDIR"; exit 0
fi

can_apt || explain_and_fail "The pgvector extension is missing for PostgreSQL $MAJOR and cannot be installed without root + apt."

apt_update_once
if apt-cache show "postgresql-$MAJOR-pgvector" >/dev/null 2>&1; then
  log "installing postgresql-$MAJOR-pgvector with apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$MAJOR-pgvector" >&2
else
  # Debian bookworm ships pgvector only as a source package of newer suites. Only the *source* is
  # taken from trixie; binary packages of trixie would replace libc, so none are installed.
  log "pgvector is not packaged for this release: building it from Debian trixie's source package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential dpkg-dev "postgresql-server-dev-$MAJOR" >&2
  SRC_LIST=/etc/apt/sources.list.d/controltower-trixie-src.sources
  cat > "$SRC_LIST" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq >&2
  WORK=$(mktemp -d)
  ( cd "$WORK" && apt-get source -qq pgvector >&2 )
  rm -f "$SRC_LIST"; apt-get update -qq >&2 || true
  SRCDIR=$(find "$WORK" -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
  [ -n "$SRCDIR" ] || explain_and_fail "apt-get source pgvector produced no source tree."
  log "building $(basename "$SRCDIR")"
  PGC="/usr/lib/postgresql/$MAJOR/bin/pg_config"; [ -x "$PGC" ] || PGC=$(command -v pg_config)
  ( cd "$SRCDIR" && make -s PG_CONFIG="$PGC" OPTFLAGS="" >&2 && make -s install PG_CONFIG="$PGC" >&2 )
  rm -rf "$WORK"
fi
[ -f "$(sharedir)/extension/vector.control" ] || explain_and_fail "pgvector installation finished but vector.control is not where PostgreSQL $MAJOR looks for it."
log "pgvector installed"
echo "$BINDIR"
