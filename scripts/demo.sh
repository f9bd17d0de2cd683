#!/usr/bin/env bash
# One command: dependencies → PostgreSQL + pgvector → migrations → demo data → build → web + worker.
# Re-running keeps existing data. Ctrl-C stops the web server, the worker and (if this script
# started it) the project-local PostgreSQL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/lib/ensure-deps.sh
ensure_node_deps "$ROOT"

# The demo's providers are local simulators (flagged as demo sources in every sync).
DEMO_SIM_BASE_PORT=${DEMO_SIM_BASE_PORT:-54410}
export DEMO_SIM_BASE_PORT LOOPS_BASE_URL=${LOOPS_BASE_URL:-http://127.0.0.1:$((DEMO_SIM_BASE_PORT + 3))} LOOPS_SECRET_KEY=${LOOPS_SECRET_KEY:-loops-sim-key}

STARTED_DB=0
if [ -z "${DATABASE_URL:-}" ]; then
  source scripts/db/lib.sh
  [ -f .data/postgres/postmaster.pid ] || STARTED_DB=1
fi
export DATABASE_URL=$(bash scripts/db/up.sh | tail -n1)
npm run --silent db:migrate
npm run --silent db:seed
echo "[build] remix build" >&2
npx remix build >/dev/null

export PORT=${PORT:-3000}
# The terminal shows warnings and errors only (every job and request logs at info); LOG_LEVEL=info for all.
export LOG_LEVEL=${LOG_LEVEL:-warn}
PIDS=()
# npx and tsx each start a child: stopping only the pid we hold leaves the server running (and its
# ports taken) when this script is stopped by a signal that reaches it alone, not its whole group.
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  trap - INT TERM EXIT
  for p in "${PIDS[@]}"; do kill_tree "$p"; done
  wait 2>/dev/null || true
  if [ "$STARTED_DB" = 1 ]; then bash scripts/db/down.sh || true; fi
}
trap cleanup INT TERM EXIT
# A demo still running elsewhere (or an old one left behind) holds the simulators' ports: its code
# would answer instead of this checkout's. Say so rather than start half a demo.
SIM_BASE=${DEMO_SIM_BASE_PORT:-54410}
for port in $SIM_BASE $((SIM_BASE + 1)) $((SIM_BASE + 2)) $((SIM_BASE + 3)) $PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "[demo] port $port is already in use — is another demo still running? Stop it (Ctrl-C in its terminal), or set DEMO_SIM_BASE_PORT / PORT." >&2
    exit 1
  fi
done
npx tsx scripts/demo-simulators.ts & PIDS+=($!)
npx tsx server/http/main.ts & PIDS+=($!)
npx tsx jobs/worker.ts & PIDS+=($!)

for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.5; done
cat <<MSG

  Control Tower is running:  http://localhost:$PORT
  Sign in as demo@controltower.dev (owner), pm@controltower.dev (PM) or viewer@controltower.dev (viewer)
  Password: demo-password
  Health: http://localhost:$PORT/health · Metrics: http://localhost:$PORT/metrics
  Press Ctrl-C to stop.

MSG
wait -n "${PIDS[@]}"
