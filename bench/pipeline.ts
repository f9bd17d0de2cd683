// npm run bench:pipeline — the nightly intelligence pipeline end to end over a generated agency:
// 1,000 projects × 90 days (≈ 1M domain events) loaded through the real connectors from the simulators,
// then kag_daily_pipeline (signals → scores → snapshot → case signatures → similar cases → forecasts →
// recommendations v2 → outcomes) for every project, as Graphile Worker jobs on one worker process,
// at 250, 500 and 1,000 projects (derived rows cleared between runs), same run:
//   floor     reading each project's pipeline inputs (loadFacts) and nothing else — what no
//             pipeline over the same event log can go below
// Targets (issue 4): 1,000 projects ≤ 60 s on 2 cores, growth linear in the number of projects.
import { Logger, run } from "graphile-worker";
import { buildTaskList } from "../jobs/task-list.ts";
import { loadFacts } from "../server/services/intelligence/facts.ts";
import { RunRecorder } from "../server/services/jobs/run-recorder.ts";
import { benchDatabase, benchEnv, fmt, printTable, type BenchDb } from "./lib/harness.ts";
import { inParallel, loadWorkspace } from "./lib/workspace.ts";

const PROJECTS = Number(process.env.BENCH_PIPELINE_PROJECTS ?? 1_000);
const SIZES = [250, 500, 1_000].filter((n) => n < PROJECTS).concat(PROJECTS);
const ACTIVITY = Number(process.env.BENCH_ACTIVITY ?? 5);
const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 4);
const END = new Date("2026-11-20T00:00:00Z");
const AS_OF = new Date("2026-11-20T06:00:00Z");
const DERIVED = ["kag_signals", "kag_signal_history", "kag_scores", "kag_score_history", "project_snapshots", "past_case_outcomes", "kag_risk_forecasts", "recommendations_v2", "case_signatures", "job_runs"];

async function runPipeline(db: BenchDb, projectIds: string[]): Promise<{ ms: number; failed: number; recommendations: number }> {
  await db.pool.query(DERIVED.map((t) => `TRUNCATE ${t} CASCADE`).join("; "));
  await db.pool.query(`DELETE FROM kag_event_log WHERE category = 'process'`);
  await db.pool.query(`VACUUM ANALYZE graphile_worker._private_jobs`);
  const env = benchEnv();
  const recorder = new RunRecorder(db.prisma, { durable: false });
  // As the scheduler enqueues them: one job per project, job key <task>:<projectId>.
  await db.pool.query(
    `SELECT graphile_worker.add_jobs(array_agg(('kag_daily_pipeline', json_build_object('projectId', p, 'trigger', 'scheduler', 'asOf', $2::text), null, null, 3, 'kag_daily_pipeline:' || p, null, null)::graphile_worker.job_spec))
     FROM unnest($1::uuid[]) AS p`,
    [projectIds, AS_OF.toISOString()],
  );
  const t0 = performance.now();
  const runner = await run({ pgPool: db.pool, concurrency: CONCURRENCY, pollInterval: 100, noHandleSignals: true, logger: new Logger(() => () => {}), taskList: buildTaskList({ db: db.prisma, env, workerId: "bench", recorder }) });
  for (;;) {
    const { rows } = await db.pool.query<{ waiting: number; dead: number }>(`SELECT count(*)::int AS waiting, count(*) FILTER (WHERE attempts >= max_attempts)::int AS dead FROM graphile_worker.jobs`);
    if (rows[0]!.waiting === rows[0]!.dead) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - t0;
  await runner.stop();
  await recorder.flush();
  const { rows } = await db.pool.query<{ failed: number; recs: number }>(
    `SELECT (SELECT count(*) FROM job_runs WHERE status = 'failed')::int AS failed, (SELECT count(*) FROM recommendations_v2)::int AS recs`,
  );
  await db.pool.query(`DELETE FROM graphile_worker._private_jobs`);
  return { ms, failed: rows[0]!.failed, recommendations: rows[0]!.recs };
}

async function main() {
  const db = await benchDatabase();
  const env = benchEnv();
  try {
    console.log(`loading ${fmt(PROJECTS)} projects × 90 days through the connectors (simulators in their own process)…`);
    const ws = await loadWorkspace(db.prisma, env, { seed: 90, projects: PROJECTS, days: 90, end: END, activity: ACTIVITY, concurrency: 6, log: console.log });
    await ws.sims.close();
    await db.pool.query(`VACUUM ANALYZE`);
    console.log(`ingest: ${fmt(ws.domainEvents)} domain events in ${fmt(ws.ingestMs / 1000, 1)} s (${fmt(ws.domainEvents / (ws.ingestMs / 1000))} events/s)`);

    const rows: (string | number)[][] = [["projects", "events", "pipeline s", "ms/project", "projects/s", "floor s (inputs only)", "pipeline/floor", "failed", "recommendations"]];
    const perProject: number[] = [];
    for (const n of SIZES) {
      const ids = ws.projectIds.slice(0, n);
      const { rows: ev } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM kag_event_log WHERE category = 'domain' AND project_id = ANY($1::uuid[])`, [ids]);
      const floorT0 = performance.now();
      await inParallel(ids, CONCURRENCY, async (id) => void (await loadFacts(db.prisma, id, AS_OF, env.KAG_EVENT_LOG_LOOKBACK_DAYS)));
      const floorMs = performance.now() - floorT0;
      const res = await runPipeline(db, ids);
      perProject.push(res.ms / n);
      rows.push([fmt(n), fmt(ev[0]!.n), fmt(res.ms / 1000, 1), fmt(res.ms / n, 1), fmt(n / (res.ms / 1000), 1), fmt(floorMs / 1000, 1), `${fmt(res.ms / floorMs, 1)}×`, String(res.failed), fmt(res.recommendations)]);
    }
    console.log("");
    console.log(`kag_daily_pipeline for every project through Graphile Worker (one process, concurrency ${CONCURRENCY}), same run`);
    printTable(rows);
    const full = Number(String(rows[rows.length - 1]![2]).replace(/,/g, ""));
    const growth = perProject[perProject.length - 1]! / perProject[0]!;
    const met = (PROJECTS < 1000 || full <= 60) && growth <= 1.25;
    console.log(`per-project time at ${fmt(SIZES[SIZES.length - 1]!)} vs ${fmt(SIZES[0]!)} projects: ${fmt(growth, 2)}× (linear growth = 1.00×)`);
    console.log(`targets ${fmt(PROJECTS)} projects ≤ 60 s and linear growth (≤ 1.25×): ${met ? "met" : "MISSED"}`);
    if (!met) process.exitCode = 1;
  } finally {
    await db.drop();
  }
}

await main();
