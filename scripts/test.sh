#!/usr/bin/env bash
# The whole test suite, from a clean clone on a fresh Debian/Ubuntu machine:
# dependencies → Chromium (browser tests) → PostgreSQL + pgvector → typecheck → lint → build → vitest.
# Uses TEST_DATABASE_URL (a server where it may create databases) when set, else the project-local
# cluster, which it stops again at the end if it started it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
source scripts/lib/ensure-deps.sh
ensure_node_deps "$ROOT"

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing Chromium for the browser tests (apt-get install chromium)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "[test] Chromium is needed for the browser tests: sudo apt-get install chromium (or set CHROMIUM_PATH)" >&2
    exit 1
  fi
fi

STARTED_DB=0
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if [ -n "${DATABASE_URL:-}" ]; then
    export TEST_DATABASE_URL="$DATABASE_URL"
  else
    source scripts/db/lib.sh
    [ -f .data/postgres/postmaster.pid ] || STARTED_DB=1
  fi
fi
TEST_DATABASE_URL=$(DATABASE_URL="${TEST_DATABASE_URL:-}" bash scripts/db/up.sh | tail -n1)
export TEST_DATABASE_URL
cleanup() { if [ "$STARTED_DB" = 1 ]; then bash scripts/db/down.sh || true; fi; }
trap cleanup EXIT

echo "[test] typecheck" >&2
npx tsc --noEmit
echo "[test] lint" >&2
npx eslint .
echo "[test] remix build (the browser tests run the built app)" >&2
npx remix build >/dev/null
echo "[test] vitest" >&2
npx vitest run "$@"
echo "[test] total $(( $(date +%s) - START ))s" >&2
