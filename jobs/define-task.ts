import type { JobHelpers, Task } from "graphile-worker";
import { z } from "zod";
import type { Db } from "../server/db.ts";
import type { Env } from "../server/env.ts";
import { recorderFor, type Counters, type RunContext, type RunRecorder } from "../server/services/jobs/run-recorder.ts";

export type TaskDeps = { db: Db; env: Env; workerId: string; now?: () => Date; recorder?: RunRecorder };

export type TaskRun<P> = {
  payload: P;
  projectId: string | null;
  db: Db;
  env: Env;
  now: Date;
  helpers: JobHelpers;
  /** Logs a process_warning for this run (visible in the event feed and the jobs page). */
  warn(message: string, details?: Record<string, unknown>): Promise<void>;
  /** Runs one named step with its own process_started / process_finished / process_failed events. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
};

export class SkipRun extends Error {}

/**
 * A failure the task has already recorded and scheduled for retry itself (the connector error
 * register): the run is `failed`, but Graphile Worker must not retry it a second way.
 */
export class RecordedFailure extends Error {
  constructor(message: string, readonly counters: Counters = {}) {
    super(message);
  }
}

/** Boolean feature flags of the environment (KAG_ENABLED, ...). */
export type FlagName = { [K in keyof Env]-?: Env[K] extends boolean ? K : never }[keyof Env];

const projectPayload = z.object({
  projectId: z.uuid(),
  trigger: z.enum(["scheduler", "manual", "cron"]).default("scheduler"),
  requestedBy: z.string().optional(),
  /** Compute as of this time instead of now (recomputing a past day; deterministic re-runs). Only tasks with `asOf: true`. */
  asOf: z.iso.datetime({ offset: true }).optional(),
});

/**
 * Wraps a handler into a Graphile Worker task that records every attempt (server/services/jobs/
 * run-recorder.ts): a job_runs row, process events (started / finished / failed / warning) with
 * duration and counters, and the scheduled_jobs status. A disabled feature flag records `skipped`, not a failure. A thrown error
 * is recorded and rethrown so Graphile Worker retries with backoff until max_attempts; the job then
 * stays in its queue as a dead letter that the jobs page shows.
 */
export function defineTask<S extends z.ZodType>(
  name: string,
  schema: S,
  handler: (run: TaskRun<z.infer<S>>) => Promise<Counters | void>,
  opts: { projectId?: (p: z.infer<S>) => string | null; flags?: FlagName[] } = {},
) {
  return (deps: TaskDeps): Task =>
    async (rawPayload, helpers) => {
      const now = deps.now ?? (() => new Date());
      const parsed = schema.safeParse(rawPayload ?? {});
      const projectId = parsed.success ? (opts.projectId?.(parsed.data) ?? null) : null;
      const ctx: RunContext = {
        task: name,
        projectId,
        jobKey: helpers.job.key ?? null,
        graphileJobId: String(helpers.job.id),
        attempt: helpers.job.attempts,
        trigger: parsed.success ? String((parsed.data as { trigger?: string }).trigger ?? "worker") : "worker",
        workerId: deps.workerId,
      };
      const rec = deps.recorder ?? recorderFor(deps.db);
      const run = await rec.start(ctx, now());
      if (!parsed.success) {
        const error = `invalid payload: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
        await rec.finish(run, { status: "failed", now: now(), error });
        // Retrying cannot fix a malformed payload: use up the attempts so the job stays in the
        // queue as a dead letter (with this error) instead of being retried.
        await deps.db.$executeRaw`UPDATE graphile_worker._private_jobs SET max_attempts = attempts WHERE id = ${String(helpers.job.id)}::bigint`;
        throw new Error(error);
      }
      const off = (opts.flags ?? []).filter((f) => !deps.env[f]);
      if (off.length) {
        await rec.finish(run, { status: "skipped", now: now(), reason: `disabled by ${off.join(", ")}` });
        return;
      }
      try {
        const counters = await handler({
          payload: parsed.data, projectId, db: deps.db, env: deps.env, now: now(), helpers,
          warn: async (message, details) => rec.warn(run, now(), message, details),
          step: (name, fn) => rec.step(run, now, name, fn),
        });
        await rec.finish(run, { status: "succeeded", now: now(), counters: counters ?? {} });
      } catch (e) {
        if (e instanceof SkipRun) {
          await rec.finish(run, { status: "skipped", now: now(), reason: e.message });
          return;
        }
        if (e instanceof RecordedFailure) {
          await rec.finish(run, { status: "failed", now: now(), error: e.message, counters: e.counters });
          return;
        }
        const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        await rec.finish(run, { status: "failed", now: now(), error: message }).catch(() => {});
        throw e;
      }
    };
}

/** A per-project task: payload {projectId, trigger}, job key <task>:<projectId>. */
export function defineProjectTask(
  name: string,
  handler: (run: TaskRun<z.infer<typeof projectPayload>> & { projectId: string }) => Promise<Counters | void>,
  opts: { flags?: FlagName[]; asOf?: boolean } = {},
) {
  return defineTask(
    name,
    projectPayload.refine((p) => opts.asOf || !p.asOf, { message: `${name} always runs as of now`, path: ["asOf"] }),
    (run) => handler({ ...run, projectId: run.payload.projectId, now: run.payload.asOf ? new Date(run.payload.asOf) : run.now }),
    { projectId: (p) => p.projectId, flags: opts.flags },
  );
}
