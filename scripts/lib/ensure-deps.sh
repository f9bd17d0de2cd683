# Installs npm dependencies when node_modules is missing or older than package-lock.json.
ensure_node_deps() {
  local root="$1"
  if ! command -v node >/dev/null 2>&1; then echo "Node.js >= 20.19 is required (https://nodejs.org)" >&2; exit 1; fi
  local major minor; major=$(node -p 'process.versions.node.split(".")[0]'); minor=$(node -p 'process.versions.node.split(".")[1]')
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then echo "Node.js >= 20.19 is required (found $(node -v))" >&2; exit 1; fi
  if [ ! -d "$root/node_modules" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    # `npm install` rather than `npm ci`: npm 11.19 writes lockfiles without the other platforms'
    # optional rollup binaries and then refuses them in `npm ci`. install honours the lockfile.
    echo "[deps] npm install" >&2
    (cd "$root" && npm install --no-audit --no-fund >&2)
  fi
  [ -f "$root/server/generated/prisma/client.ts" ] || (cd "$root" && node scripts/prisma-generate.mjs >&2)
}
