#!/usr/bin/env bash
# Benchmarks (not tests): dependencies → PostgreSQL + pgvector → bench/index.ts [name].
# Each benchmark creates and drops its own throwaway database on the project-local cluster
# (or on TEST_DATABASE_URL's server).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source scripts/lib/ensure-deps.sh
ensure_node_deps "$ROOT"
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  TEST_DATABASE_URL=$(DATABASE_URL="${DATABASE_URL:-}" bash scripts/db/up.sh | tail -n1)
  export TEST_DATABASE_URL
fi
# Webhook latency (scripts/bench-webhooks.ts) runs only on request: it starts a worker process.
if [ "${1:-}" = webhooks ]; then exec npx tsx scripts/bench-webhooks.ts; fi
exec npx tsx bench/index.ts "$@"
