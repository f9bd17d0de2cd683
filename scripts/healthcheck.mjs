// Container healthchecks. `web`: GET /health answers (200 or 503 both mean the process serves;
// 503 details which dependency is down). `worker`: this container's worker heartbeat is fresh.
import os from "node:os";
import pg from "pg";

const kind = process.argv[2];
if (kind === "web") {
  const res = await fetch(`http://127.0.0.1:${process.env.PORT ?? 3000}/health`).catch(() => null);
  process.exit(res && (res.status === 200 || res.status === 503) ? 0 : 1);
} else if (kind === "worker") {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const { rows } = await client.query(
    "SELECT 1 FROM worker_runs WHERE hostname = $1 AND stopped_at IS NULL AND heartbeat_at > now() - make_interval(secs => $2)",
    [os.hostname(), Number(process.env.WORKER_STALE_SECONDS ?? 120)],
  );
  await client.end();
  process.exit(rows.length ? 0 : 1);
} else {
  console.error("usage: healthcheck.mjs web|worker");
  process.exit(2);
}
