import type { Prisma } from "../../generated/prisma/client.ts";
import type { Db } from "../../db.ts";

export type ProjectJobPayload = { projectId: string; trigger: "scheduler" | "manual" | "cron"; requestedBy?: string; asOf?: string };

export const projectJobKey = (task: string, projectId: string): string => `${task}:${projectId}`;

/**
 * Enqueues a per-project job through graphile_worker.add_job, inside the caller's transaction when
 * one is given. The job key <task>:<projectId> makes a second enqueue of a job that is still waiting
 * update that job instead of adding another.
 */
export async function enqueueProjectJob(
  db: Db | Prisma.TransactionClient,
  input: { task: string; payload: ProjectJobPayload; maxAttempts: number; runAt?: Date },
): Promise<string> {
  const jobKey = projectJobKey(input.task, input.payload.projectId);
  await db.$queryRaw`
    SELECT id FROM graphile_worker.add_job(
      ${input.task}::text,
      payload := ${JSON.stringify(input.payload)}::json,
      run_at := ${input.runAt ?? null}::timestamptz,
      max_attempts := ${input.maxAttempts}::int,
      job_key := ${jobKey}::text,
      job_key_mode := 'replace'
    )`;
  return jobKey;
}
