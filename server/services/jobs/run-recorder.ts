import { poolOf, type Db } from "../../db.ts";
import { dedupeKey, type NewEvent } from "../events/event-log.ts";

// What every worker task records about itself: a job_runs row per attempt, process events
// (started / finished / failed / warning, and per step) with duration and counters, and the
// scheduled_jobs status. Records are group-committed: buffered in memory and written by one
// statement for many runs, so bookkeeping costs a fraction of a round trip per job instead of five.
//
// Durability: a failed run is always written before the job is acknowledged to Graphile Worker.
// A successful one too in `durable` mode (the default: tests, one-off runs); the worker process
// uses group commit, where successes are written within FLUSH_MS. A crash in that window loses only
// bookkeeping, never work (a task's writes commit inside the task) and never a failure; runs left
// `running` by a dead worker are closed by recoverDeadWorkers (server/services/jobs/recovery.ts).

export type RunContext = { task: string; projectId: string | null; jobKey: string | null; graphileJobId: string | null; attempt: number; trigger: string; workerId: string | null };
export type Counters = Record<string, number>;
export type RunHandle = { id: bigint; projectId: string | null; startedAt: Date; ctx: RunContext };
export type RunOutcome = { status: "succeeded" | "failed" | "skipped"; now: Date; counters?: Counters; error?: string; reason?: string };

type RunRow = {
  id: bigint; projectId: string | null; task: string; jobKey: string | null; graphileJobId: string | null; attempt: number; trigger: string; workerId: string | null;
  status: "running" | RunOutcome["status"]; startedAt: Date; finishedAt: Date | null; durationMs: number | null; counters: Counters; error: string | null;
};
type ScheduleStatus = { projectId: string; task: string; at: Date; status: string; error: string | null };

const FLUSH_MS = 50;

/** A run's row while it runs (what `finish` completes, whether or not it was written yet). */
const runningRow = (h: RunHandle): RunRow => ({
  id: h.id, projectId: h.projectId, task: h.ctx.task, jobKey: h.ctx.jobKey, graphileJobId: h.ctx.graphileJobId, attempt: h.ctx.attempt, trigger: h.ctx.trigger,
  workerId: h.ctx.workerId, status: "running", startedAt: h.startedAt, finishedAt: null, durationMs: null, counters: {}, error: null,
});
const ID_BLOCK = 128;

export function processEvent(run: { id: bigint; projectId: string | null; ctx: RunContext }, type: string, at: Date, payload: Record<string, unknown>): NewEvent {
  const { ctx } = run;
  return {
    projectId: run.projectId,
    category: "process",
    eventType: type,
    occurredAt: at,
    source: "worker",
    sourceRef: `job_run:${run.id}`,
    payload: { task: ctx.task, jobKey: ctx.jobKey, attempt: ctx.attempt, trigger: ctx.trigger, jobRunId: run.id.toString(), ...payload },
    // Unique per run, type and step by construction; only a warning's text needs hashing.
    dedupeKey: type === "process_warning" ? dedupeKey("process", run.id.toString(), type, JSON.stringify(payload)) : `process|${run.id}|${type}|${String(payload.step ?? "")}`,
  };
}

export class RunRecorder {
  private runs = new Map<bigint, RunRow>();
  private events: NewEvent[] = [];
  /** process_started events not yet written, by run id and step: dropped if the run or step ends first. */
  private starts = new Map<string, NewEvent>();
  private schedule = new Map<string, ScheduleStatus>();
  private ids: bigint[] = [];
  private refill: Promise<void> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly opts: { durable: boolean; onError?: (e: unknown) => void } = { durable: true },
  ) {}

  private onError = (e: unknown) => (this.opts.onError ?? ((x: unknown) => console.error("[run-recorder]", x)))(e);

  private async nextId(): Promise<bigint> {
    while (this.ids.length === 0) {
      this.refill ??= poolOf(this.db).query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('job_runs', 'id'))::text AS id FROM generate_series(1, $1::int)`, [ID_BLOCK])
        .then((res) => void this.ids.push(...res.rows.map((r) => BigInt(r.id))))
        .finally(() => (this.refill = null));
      await this.refill;
    }
    return this.ids.shift()!;
  }

  /** A new run (status running) and its process_started event, buffered. */
  async start(ctx: RunContext, now: Date): Promise<RunHandle> {
    const id = await this.nextId();
    const handle = { id, projectId: ctx.projectId, startedAt: now, ctx };
    this.runs.set(id, runningRow(handle));
    this.starting(`${id}|`, processEvent(handle, "process_started", now, {}));
    return handle;
  }

  // A span's started event is written only if the span is still open when the buffer is written
  // (≤ FLUSH_MS after it began): the feed shows what is running, while a run that ends first is
  // logged by its finished event alone, which carries its start time and duration. Half the event
  // rows for the many short jobs, the same information.
  private starting(key: string, e: NewEvent) {
    this.starts.set(key, e);
    this.schedulePeriodicFlush();
  }

  private started(key: string, at: Date): string {
    this.starts.delete(key);
    return at.toISOString();
  }

  event(e: NewEvent) {
    this.events.push(e);
    this.schedulePeriodicFlush();
  }

  warn(run: RunHandle, now: Date, message: string, details: Record<string, unknown> = {}) {
    this.event(processEvent(run, "process_warning", now, { message, ...details }));
  }

  /** A named step inside a run (e.g. the daily pipeline's snapshot → forecast → …): its own started/finished/failed events. */
  async step<T>(run: RunHandle, now: () => Date, step: string, fn: () => Promise<T>): Promise<T> {
    const t0 = now();
    this.starting(`${run.id}|${step}`, processEvent(run, "process_started", t0, { step }));
    try {
      const result = await fn();
      const counters = result && typeof result === "object" ? Object.fromEntries(Object.entries(result).filter(([, v]) => typeof v === "number")) : {};
      this.event(processEvent(run, "process_finished", now(), { step, status: "succeeded", startedAt: this.started(`${run.id}|${step}`, t0), durationMs: now().getTime() - t0.getTime(), counters }));
      return result;
    } catch (e) {
      this.event(processEvent(run, "process_failed", now(), { step, status: "failed", startedAt: this.started(`${run.id}|${step}`, t0), durationMs: now().getTime() - t0.getTime(), error: (e as Error).message?.slice(0, 1000) }));
      throw e;
    }
  }

  /** Closes the run with duration and counters, its process event and the schedule status. */
  async finish(run: RunHandle, outcome: RunOutcome): Promise<void> {
    const durationMs = Math.max(0, outcome.now.getTime() - run.startedAt.getTime());
    const error = outcome.error?.slice(0, 4000) ?? outcome.reason ?? null;
    // Its row may already be written (a long run): then this one closes it (the write upserts).
    this.runs.set(run.id, { ...runningRow(run), status: outcome.status, finishedAt: outcome.now, durationMs, counters: outcome.counters ?? {}, error });
    this.event(processEvent(run, outcome.status === "failed" ? "process_failed" : "process_finished", outcome.now, {
      status: outcome.status, startedAt: this.started(`${run.id}|`, run.startedAt), durationMs, counters: outcome.counters ?? {}, error: outcome.error?.slice(0, 1000), reason: outcome.reason,
    }));
    if (run.projectId) {
      this.schedule.set(`${run.projectId}|${run.ctx.task}`, { projectId: run.projectId, task: run.ctx.task, at: outcome.now, status: outcome.status, error: outcome.status === "failed" ? (outcome.error ?? "").slice(0, 1000) : null });
    }
    if (outcome.status === "failed" || this.opts.durable) await this.flush();
  }

  private schedulePeriodicFlush() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch(this.onError);
    }, FLUSH_MS);
    this.timer.unref();
  }

  /** Writes everything buffered so far (one statement); resolves when it is durable. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBuffered());
    return this.flushing;
  }

  private async writeBuffered(): Promise<void> {
    if (this.runs.size === 0 && this.events.length === 0 && this.schedule.size === 0 && this.starts.size === 0) return;
    const runs = [...this.runs.values()];
    const events = [...this.starts.values(), ...this.events];
    this.starts = new Map();
    const schedule = [...this.schedule.values()];
    this.runs = new Map();
    this.events = [];
    this.schedule = new Map();
    try {
      await this.write(runs, events, schedule);
    } catch (e) {
      this.onError(e);
      // One bad row (say, its project was deleted meanwhile) must not take the others with it; a
      // lost connection is not a bad row, and retrying row by row would only repeat the error.
      const code = String((e as { code?: string }).code ?? "");
      if (!code.startsWith("23") && !code.startsWith("22")) return;
      const ofRun = (r: RunRow) => (ev: NewEvent) => ev.sourceRef === `job_run:${r.id}`;
      for (const r of runs) await this.write([r], events.filter(ofRun(r)), schedule.filter((s) => s.projectId === r.projectId && s.task === r.task)).catch(this.onError);
      // Events of runs written in an earlier batch (steps and warnings of a long run).
      const orphans = events.filter((ev) => !runs.some((r) => ofRun(r)(ev)));
      if (orphans.length) await this.write([], orphans, []).catch(this.onError);
    }
  }

  private async write(runs: RunRow[], events: NewEvent[], schedule: ScheduleStatus[]) {
    // One JSON document rather than 27 array parameters: JSON.stringify is native, the pg driver's
    // array escaping is not, and this runs for every job the worker takes.
    const doc = JSON.stringify({
      runs: runs.map((r) => ({ ...r, id: r.id.toString() })),
      events: events.map((e) => ({ projectId: e.projectId, category: e.category, eventType: e.eventType, occurredAt: e.occurredAt, source: e.source ?? "worker", sourceRef: e.sourceRef ?? null, payload: e.payload ?? {}, dedupeKey: e.dedupeKey })),
      schedule,
    });
    await poolOf(this.db).query(WRITE_SQL, [doc]);
  }
}

/** Runs (insert, or close a run written earlier), process events and schedule status, in one statement. */
const WRITE_SQL = `
  WITH doc AS (SELECT $1::json AS j), runs AS (
    INSERT INTO job_runs (id, project_id, task, job_key, graphile_job_id, attempt, trigger, status, started_at, finished_at, duration_ms, counters, error, worker_id)
    SELECT r."id", r."projectId", r."task", r."jobKey", r."graphileJobId", r."attempt", r."trigger", r."status"::"JobRunStatus", r."startedAt", r."finishedAt", r."durationMs", r."counters", r."error", r."workerId"
    FROM doc, json_to_recordset(doc.j->'runs') AS r("id" int8, "projectId" uuid, "task" text, "jobKey" text, "graphileJobId" text, "attempt" int4, "trigger" text, "status" text,
      "startedAt" timestamptz, "finishedAt" timestamptz, "durationMs" int4, "counters" jsonb, "error" text, "workerId" text)
    ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms, counters = EXCLUDED.counters, error = EXCLUDED.error
    RETURNING 1
  ), events AS (
    INSERT INTO kag_event_log (project_id, category, event_type, occurred_at, actor, source, source_ref, payload, evidence_refs, dedupe_key)
    SELECT t."projectId", t."category"::"EventCategory", t."eventType", t."occurredAt", 'system', t."source", t."sourceRef", t."payload", '[]'::jsonb, t."dedupeKey"
    FROM doc, json_to_recordset(doc.j->'events') AS t("projectId" uuid, "category" text, "eventType" text, "occurredAt" timestamptz, "source" text, "sourceRef" text, "payload" jsonb, "dedupeKey" text)
    ON CONFLICT (project_id, dedupe_key) DO NOTHING
    RETURNING 1
  ), sched AS (
    UPDATE scheduled_jobs s SET last_run_at = u."at", last_status = u."status", last_error = u."error"
    FROM doc, json_to_recordset(doc.j->'schedule') AS u("projectId" uuid, "task" text, "at" timestamptz, "status" text, "error" text)
    WHERE s.project_id = u."projectId" AND s.task = u."task"
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM events) + (SELECT count(*) FROM sched) AS n`;

const recorders = new WeakMap<Db, RunRecorder>();

/** One recorder per database handle (per process), shared by every task of the worker. */
export function recorderFor(db: Db): RunRecorder {
  let r = recorders.get(db);
  if (!r) {
    r = new RunRecorder(db);
    recorders.set(db, r);
  }
  return r;
}
