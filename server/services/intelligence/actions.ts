import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../errors.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { recordAudit, type Actor } from "../audit.ts";
import { chatwootLinks } from "../connectors/chatwoot.ts";
import { postChatwootMessage } from "../connectors/chatwoot-outbound.ts";
import { ISSUE_CREATE_MUTATION, ISSUE_LOOKUP_QUERY, linearGraphql, linearTeams } from "../connectors/linear-outbound.ts";
import { appendEvents, dedupeKey, type EvidenceRef } from "../events/event-log.ts";
import { dayIn, isoDay } from "../../time.ts";
import { actionOptions, taskDescription, taskDueDate } from "./action-drafts.ts";
import { displayText } from "./wording.ts";
import { storableDate } from "../../trpc/inputs.ts";

// Acting on a recommendation: create a Linear task, send the client a Chatwoot message, or set a
// reminder. A request becomes one run per (recommendation, action, payload); the worker executes it
// with retries and backoff (Graphile Worker, job key recommendation_action:<runId>), every attempt is
// counted with its error, and a run that used up its attempts is `dead` until someone retries it.
// Each executor is idempotent across retries: a crash after the provider accepted the action is
// detected on the next attempt instead of acting twice.

export const ACTION_TYPES = ["create_or_update_task", "send_message", "set_reminder"] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
export const ACTION_MAX_ATTEMPTS = 3;

export const actionPayload = {
  // The exact text a person confirmed: nothing is ever sent to a client that nobody read.
  send_message: z.object({
    content: z.string({ message: "content: the confirmed message text is required (get a draft with intelligence.draftAction, edit it, then send it)" }).trim().min(1, "content: the message is empty").max(5000),
    conversationId: z.number({ message: "conversationId: the conversation to send it in is required" }).int().positive(),
  }),
  create_or_update_task: z.object({
    title: z.string().trim().min(3).max(250).optional(), description: z.string().max(10_000).optional(),
    dueDate: z.iso.date({ message: "dueDate must be a date (YYYY-MM-DD)" }).optional(), teamId: z.string().min(1).max(100).optional(),
  }),
  set_reminder: z.object({ remindAt: storableDate.optional() }),
} satisfies Record<ActionType, z.ZodType>;

const runKey = (recId: string, type: string, payload: unknown) => createHash("sha1").update(`${recId}:${type}:${JSON.stringify(payload)}`).digest("hex");

export async function requestAction(db: Db, env: Env, input: { projectId: string; recommendationId: string; type: ActionType; payload: Record<string, unknown>; actor: Actor; now: Date; timeZone?: string; requestId?: string }) {
  const rec = await db.recommendationV2.findFirst({ where: { id: input.recommendationId, projectId: input.projectId } });
  if (!rec) throw new NotFoundError("recommendation not found in this project");
  if (rec.gateStatus !== "visible") throw new ConflictError(`this recommendation is hidden by the evidence gate (${rec.gateReason}); no action can be taken on it`);
  const parsed = actionPayload[input.type].safeParse(input.payload);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => i.message.includes(":") ? i.message : `${i.path.join(".") || "payload"}: ${i.message}`).join("; "));
  const payload = parsed.data as Record<string, unknown>;
  const option = (await actionOptions(db, { projectId: input.projectId, recommendationId: rec.id })).find((o) => o.type === input.type)!;
  if (!option.available) throw new ConflictError(`this action is not available here: ${option.reason}`);
  if (input.type === "send_message") await requireConversation(db, input.projectId, payload.conversationId as number);
  // "The past" is the requester's: before today where they are.
  if (input.type === "create_or_update_task" && typeof payload.dueDate === "string" && payload.dueDate < dayIn(input.now, input.timeZone)) throw new ValidationError("dueDate: a task cannot be due in the past");
  const key = runKey(rec.id, input.type, payload);
  await db.recommendationActionRun.createMany({
    data: [{ projectId: input.projectId, recommendationId: rec.id, actionType: input.type, payload: payload as Prisma.InputJsonValue, dedupeKey: key, requestedBy: input.actor.userId ?? null, maxAttempts: ACTION_MAX_ATTEMPTS }],
    skipDuplicates: true,
  });
  const run = await db.recommendationActionRun.findUniqueOrThrow({ where: { projectId_dedupeKey: { projectId: input.projectId, dedupeKey: key } } });
  const idempotent = run.status === "succeeded" || run.status === "running";
  if (!idempotent) {
    if (run.status === "dead" || run.status === "failed") await db.recommendationActionRun.update({ where: { id: run.id }, data: { status: "pending", attempts: 0, error: null } });
    await enqueueAction(db, input.projectId, run.id);
  }
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: "recommendation_action_taken", entityType: "recommendation", entityId: rec.id, requestId: input.requestId,
    payload: { runId: run.id, actionType: input.type, idempotent },
  });
  return { runId: run.id, status: idempotent ? run.status : "pending", idempotent };
}

async function requireConversation(db: Db, projectId: string, conversationId: number) {
  const conv = await db.cwConversation.findFirst({ where: { projectId, externalId: String(conversationId), deletedAt: null }, select: { externalId: true } });
  if (!conv) throw new ValidationError("conversationId: no such conversation in this project");
}

function enqueueAction(db: Db, projectId: string, runId: string) {
  // One job per run; Graphile Worker retries it with exponential backoff up to the run's attempts.
  return db.$queryRaw`
    SELECT graphile_worker.add_job('recommendation_action', payload := ${JSON.stringify({ projectId, runId })}::json,
      max_attempts := ${ACTION_MAX_ATTEMPTS}::int, job_key := ${`recommendation_action:${runId}`}::text, job_key_mode := 'replace')`;
}

export async function retryAction(db: Db, input: { projectId: string; runId: string; actor: Actor; requestId?: string }) {
  const run = await db.recommendationActionRun.findFirst({ where: { id: input.runId, projectId: input.projectId } });
  if (!run) throw new NotFoundError("action run not found in this project");
  if (run.status !== "dead" && run.status !== "failed") throw new ConflictError(`only failed or dead runs can be retried (this one is ${run.status})`);
  await db.recommendationActionRun.update({ where: { id: run.id }, data: { status: "pending", attempts: 0, error: null } });
  await enqueueAction(db, input.projectId, run.id);
  await recordAudit(db, { actor: input.actor, projectId: input.projectId, action: "recommendation_action.retry", entityType: "recommendation_action_run", entityId: run.id, requestId: input.requestId });
  return { runId: run.id, status: "pending" as const };
}

export async function listActionRuns(db: Db, input: { projectId: string; recommendationId?: string; limit: number }) {
  return db.recommendationActionRun.findMany({
    where: { projectId: input.projectId, ...(input.recommendationId ? { recommendationId: input.recommendationId } : {}) },
    orderBy: { createdAt: "desc" },
    take: input.limit,
  });
}

type Run = Awaited<ReturnType<Db["recommendationActionRun"]["findUniqueOrThrow"]>>;
type Rec = Awaited<ReturnType<Db["recommendationV2"]["findUniqueOrThrow"]>>;
type Exec = (db: Db, env: Env, run: Run, rec: Rec, now: Date) => Promise<Record<string, unknown>>;

/** Executes one attempt of a run (called by the worker). Throws on failure so the worker retries. */
export async function executeActionRun(db: Db, env: Env, input: { projectId: string; runId: string; attempt: number; maxAttempts: number; now: Date }): Promise<{ status: string }> {
  const run = await db.recommendationActionRun.findFirst({ where: { id: input.runId, projectId: input.projectId } });
  if (!run) throw new NotFoundError("action run not found in this project");
  if (run.status === "succeeded") return { status: "succeeded" };
  const rec = await db.recommendationV2.findUniqueOrThrow({ where: { id: run.recommendationId } });
  await db.recommendationActionRun.update({ where: { id: run.id }, data: { status: "running", attempts: { increment: 1 } } });
  try {
    const result = await EXECUTORS[run.actionType as ActionType](db, env, run, rec, input.now);
    await db.$transaction(async (tx) => {
      await tx.recommendationActionRun.update({ where: { id: run.id }, data: { status: "succeeded", result: result as Prisma.InputJsonValue, error: null, finishedAt: input.now } });
      // Acting on a new recommendation acknowledges it.
      await tx.recommendationV2.updateMany({ where: { id: rec.id, status: "new" }, data: { status: "acknowledged", acknowledgedAt: input.now } });
    });
    return { status: "succeeded" };
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
    const last = input.attempt >= input.maxAttempts;
    await db.recommendationActionRun.update({ where: { id: run.id }, data: { status: last ? "dead" : "failed", error: message, ...(last ? { finishedAt: input.now } : {}) } });
    throw e;
  }
}

const sendMessage: Exec = async (db, env, run) => {
  const payload = actionPayload.send_message.parse(run.payload);
  // A previous attempt may have been accepted before the crash: look for it before sending again.
  const sent = await postChatwootMessage(db, env, { projectId: run.projectId, conversationId: payload.conversationId, content: payload.content, recoverSince: run.attempts > 0 ? run.createdAt : undefined });
  const source = await db.projectSource.findUnique({ where: { projectId_kind: { projectId: run.projectId, kind: "chatwoot_account" } } });
  const url = source?.baseUrl ? chatwootLinks(source.baseUrl, source.externalId)(payload.conversationId) : undefined;
  return { messageId: sent.messageId, conversationId: payload.conversationId, content: payload.content, ...(url ? { url } : {}), ...(sent.recovered ? { recovered: true } : {}) };
};

// The documents live beside the Linear client (linear-outbound.ts), where their complexity is tested.
const ISSUE_CREATE = ISSUE_CREATE_MUTATION;
const ISSUE_LOOKUP = ISSUE_LOOKUP_QUERY;
const issueRef = z.object({ id: z.string(), identifier: z.string(), url: z.string() });

const createTask: Exec = async (db, env, run, rec, now) => {
  const payload = actionPayload.create_or_update_task.parse(run.payload);
  const post = await linearGraphql(db, env, run.projectId);
  // The issue id is the run id: a retry after a crash finds the issue it already created.
  const existing = await post(ISSUE_LOOKUP, { id: run.id }, z.object({ issue: issueRef.nullable() }));
  if (existing.data?.issue) return { issueId: existing.data.issue.id, identifier: existing.data.issue.identifier, url: existing.data.issue.url, recovered: true };
  const teamId = payload.teamId ?? (await linearTeams(db, env, run.projectId))[0]?.id;
  if (!teamId) throw new ValidationError("the Linear workspace has no team to create the task in");
  // Never due in the past: the confirmed date, else the recommendation's moved to today; a retry days
  // later moves a date that has passed by then (a day of slack for the requester's time zone).
  const yesterday = isoDay(new Date(now.getTime() - 86_400_000));
  const dueDate = payload.dueDate && payload.dueDate >= yesterday ? payload.dueDate : taskDueDate(rec, isoDay(now));
  const res = await post(ISSUE_CREATE, {
    input: {
      id: run.id, teamId, title: payload.title ?? `[Control Tower] ${displayText(rec).title}`.slice(0, 250), priority: rec.priority >= 5 ? 1 : 2, dueDate,
      description: payload.description ?? taskDescription(rec),
    },
  }, z.object({ issueCreate: z.object({ success: z.boolean(), issue: issueRef.nullable() }) }));
  if (res.errors?.length || !res.data?.issueCreate.issue) throw new Error(`Linear refused the task: ${res.errors?.map((e) => e.message).join("; ") ?? "no issue returned"}`);
  const issue = res.data.issueCreate.issue;
  return { issueId: issue.id, identifier: issue.identifier, url: issue.url, title: payload.title ?? null, dueDate };
};

const setReminder: Exec = async (db, env, run, rec, now) => {
  const payload = run.payload as { remindAt?: string };
  const due = new Date(`${rec.dueDate.toISOString().slice(0, 10)}T09:00:00Z`);
  const remindAt = payload.remindAt ? new Date(payload.remindAt) : due > now ? due : new Date(now.getTime() + 86_400_000);
  // One pending reminder per recommendation (job key): setting it again moves it.
  await db.$queryRaw`
    SELECT graphile_worker.add_job('recommendation_reminder', payload := ${JSON.stringify({ projectId: run.projectId, recommendationId: rec.id })}::json,
      run_at := ${remindAt}::timestamptz, max_attempts := ${env.JOB_MAX_ATTEMPTS}::int, job_key := ${`recommendation_reminder:${rec.id}`}::text, job_key_mode := 'replace')`;
  return { remindAt: remindAt.toISOString() };
};

const EXECUTORS: Record<ActionType, Exec> = { send_message: sendMessage, create_or_update_task: createTask, set_reminder: setReminder };

/** The reminder fires: if the recommendation is still open, a reminder_due event puts it back in front of people. */
export async function fireReminder(db: Db, input: { projectId: string; recommendationId: string; now: Date }): Promise<{ fired: boolean }> {
  const rec = await db.recommendationV2.findFirst({ where: { id: input.recommendationId, projectId: input.projectId } });
  if (!rec || rec.status === "done" || rec.status === "dismissed") return { fired: false };
  await appendEvents(db, [{
    projectId: input.projectId, category: "domain", eventType: "reminder_due", occurredAt: input.now, actor: "system", source: "system",
    sourceRef: `recommendation:${rec.id}`, payload: { recommendationId: rec.id, title: rec.title, category: rec.category },
    evidenceRefs: (rec.evidenceRefs as EvidenceRef[]).slice(0, 5), dedupeKey: dedupeKey("reminder", rec.id, input.now.toISOString().slice(0, 13)),
  }]);
  return { fired: true };
}
