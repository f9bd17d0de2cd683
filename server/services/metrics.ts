import client from "prom-client";
import type { Db } from "../db.ts";

/** Registry of the web process: HTTP latency plus Node defaults. Job figures come from job_runs at scrape time. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "ct_" });
  const httpDuration = new client.Histogram({
    name: "ct_http_request_duration_seconds",
    help: "HTTP request latency by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpDuration };
}
export type Metrics = ReturnType<typeof createMetrics>;

const JOB_BUCKETS_S = [0.1, 0.5, 1, 5, 15, 60, 300, 900];
const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * Job counts and duration histograms by task and status, read from job_runs so they cover every
 * worker process, rendered in Prometheus text format.
 */
export async function jobMetricsText(db: Db): Promise<string> {
  const bucketCols = JOB_BUCKETS_S.map((b, i) => `count(*) FILTER (WHERE duration_ms <= ${b * 1000})::bigint AS b${i}`).join(", ");
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT task, status::text AS status, count(*)::bigint AS n, coalesce(sum(duration_ms), 0)::bigint AS sum_ms,
            count(duration_ms)::bigint AS timed, ${bucketCols}
     FROM job_runs GROUP BY task, status ORDER BY task, status`,
  );
  const out: string[] = [
    "# HELP ct_job_runs_total Job runs recorded in job_runs, by task and status",
    "# TYPE ct_job_runs_total counter",
  ];
  for (const r of rows) out.push(`ct_job_runs_total{task="${esc(String(r.task))}",status="${r.status}"} ${r.n}`);
  out.push("# HELP ct_job_duration_seconds Duration of finished job runs", "# TYPE ct_job_duration_seconds histogram");
  for (const r of rows) {
    if (Number(r.timed) === 0) continue;
    const l = `task="${esc(String(r.task))}",status="${r.status}"`;
    JOB_BUCKETS_S.forEach((b, i) => out.push(`ct_job_duration_seconds_bucket{${l},le="${b}"} ${r[`b${i}`]}`));
    out.push(`ct_job_duration_seconds_bucket{${l},le="+Inf"} ${r.timed}`);
    out.push(`ct_job_duration_seconds_sum{${l}} ${Number(r.sum_ms) / 1000}`);
    out.push(`ct_job_duration_seconds_count{${l}} ${r.timed}`);
  }
  return out.join("\n") + "\n";
}
