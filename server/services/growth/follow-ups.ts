import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../errors.ts";
import { sql } from "../../sql.ts";
import { recordAudit, type Actor } from "../audit.ts";
import { postChatwootMessage, recentMessages } from "../connectors/chatwoot-outbound.ts";
import { appendEvents, dedupeKey } from "../events/event-log.ts";
import { actionOptionsFor, conversationAudience, replyConversation } from "../intelligence/action-drafts.ts";
import { followUpStepDrafts } from "../intelligence/client-drafts.ts";

// Follow-up sequences for a silent client: a few timed messages in one Chatwoot conversation,
// sent by campaign_scheduler (every 5 minutes) and stopped the moment the client answers — checked
// against Chatwoot itself just before each send, not only against the last sync. One running
// sequence per conversation; each send is idempotent across crashes (a retry finds the message it
// already posted) and logged as a follow_up_sent event with the message as evidence.

const HOUR = 3_600_000;
const MAX_ATTEMPTS = 3;

export const followUpSteps = z.array(z.object({
  afterHours: z.number().int().min(1, "a step waits at least an hour").max(24 * 30),
  content: z.string().trim().min(1).max(2000),
})).min(1).max(5).refine((steps) => steps.every((s, i) => i === 0 || s.afterHours > steps[i - 1]!.afterHours), "each step must come later than the one before");
export type FollowUpStep = z.infer<typeof followUpSteps>[number];

export const DEFAULT_FOLLOW_UP_STEPS: FollowUpStep[] = followUpStepDrafts("en", null);

type CampaignRow = { id: string; project_id: string; recommendation_id: string | null; conversation_id: string; steps: FollowUpStep[]; next_step: number; started_at: Date; attempts: number; sent: { step: number; messageId: number; at: string }[] };

export async function startFollowUp(db: Db, input: { projectId: string; recommendationId?: string; conversationId?: number; steps?: FollowUpStep[]; actor: Actor; now: Date; requestId?: string }) {
  let conversationId = input.conversationId ?? null;
  if (input.recommendationId) {
    const rec = await db.recommendationV2.findFirst({ where: { id: input.recommendationId, projectId: input.projectId } });
    if (!rec) throw new NotFoundError("recommendation not found in this project");
    if (rec.gateStatus !== "visible") throw new ConflictError(`this recommendation is hidden by the evidence gate (${rec.gateReason}); no action can be taken on it`);
    const option = (await actionOptionsFor(db, input.projectId, [rec])).get(rec.id)!.find((o) => o.type === "follow_up_sequence")!;
    if (!option.available) throw new ConflictError(`a follow-up sequence does not fit here: ${option.reason}`);
    conversationId ??= await replyConversation(db, input.projectId, rec);
  }
  if (!conversationId) throw new ValidationError("no conversation to follow up in: give one, or a recommendation that cites a message");
  const conv = await db.cwConversation.findFirst({ where: { projectId: input.projectId, externalId: String(conversationId), deletedAt: null } });
  if (!conv) throw new ValidationError("conversationId: no such conversation in this project");
  // Without texts of its own, the sequence uses the standard reminders in the client's language.
  const audience = input.steps ? null : await conversationAudience(db, input.projectId, String(conversationId));
  const steps = followUpSteps.parse(input.steps ?? (audience ? followUpStepDrafts(audience.language, audience.firstName) : DEFAULT_FOLLOW_UP_STEPS));
  // One running sequence per conversation: starting it again returns the one that runs.
  const [row] = await sql(db)<{ id: string; inserted: boolean }>`
    INSERT INTO follow_up_campaigns (id, project_id, recommendation_id, conversation_id, active_key, steps, next_send_at, started_at, created_by, updated_at)
    VALUES (gen_random_uuid(), ${input.projectId}::uuid, ${input.recommendationId ?? null}::uuid, ${String(conversationId)}, ${String(conversationId)}, ${JSON.stringify(steps)}::jsonb,
      ${new Date(input.now.getTime() + steps[0]!.afterHours * HOUR)}, ${input.now}, ${input.actor.userId ?? null}::uuid, now())
    ON CONFLICT (project_id, active_key) DO UPDATE SET updated_at = follow_up_campaigns.updated_at
    RETURNING id, (xmax = 0) AS inserted`;
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: "follow_up.started", entityType: "follow_up_campaign", entityId: row!.id, requestId: input.requestId,
    payload: { conversationId, recommendationId: input.recommendationId ?? null, steps: steps.length, idempotent: !row!.inserted },
  });
  return { id: row!.id, idempotent: !row!.inserted };
}

export async function cancelFollowUp(db: Db, input: { projectId: string; id: string; actor: Actor; now: Date; requestId?: string }) {
  const rows = await sql(db)<{ id: string }>`
    UPDATE follow_up_campaigns SET status = 'cancelled', active_key = NULL, next_send_at = NULL, finished_at = ${input.now}, stop_reason = 'cancelled by a member', updated_at = now()
    WHERE id = ${input.id}::uuid AND project_id = ${input.projectId}::uuid AND status = 'active' RETURNING id`;
  if (!rows.length) {
    const exists = await db.followUpCampaign.findFirst({ where: { id: input.id, projectId: input.projectId } });
    if (!exists) throw new NotFoundError("follow-up sequence not found in this project");
    throw new ConflictError(`this sequence is already ${exists.status}`);
  }
  await recordAudit(db, { actor: input.actor, projectId: input.projectId, action: "follow_up.cancelled", entityType: "follow_up_campaign", entityId: input.id, requestId: input.requestId });
  return { id: input.id, status: "cancelled" as const };
}

export async function listFollowUps(db: Db, input: { projectId: string; recommendationId?: string; limit: number }) {
  return db.followUpCampaign.findMany({
    where: { projectId: input.projectId, ...(input.recommendationId ? { recommendationId: input.recommendationId } : {}) },
    orderBy: { createdAt: "desc" },
    take: input.limit,
    select: { id: true, recommendationId: true, conversationId: true, steps: true, nextStep: true, nextSendAt: true, status: true, stopReason: true, sent: true, attempts: true, lastError: true, startedAt: true, finishedAt: true },
  });
}

export type SchedulerResult = { due: number; sent: number; stoppedOnReply: number; completed: number; failed: number; retrying: number };

/** campaign_scheduler: sends the due steps of a project's running sequences (at most `limit`). */
export async function runCampaignScheduler(db: Db, env: Env, input: { projectId: string; now: Date; limit?: number }): Promise<SchedulerResult> {
  const q = sql(db);
  // Claim due steps with a 10-minute lease, so two schedulers never send the same step.
  const due = await q<CampaignRow>`
    UPDATE follow_up_campaigns c SET next_send_at = ${new Date(input.now.getTime() + 10 * 60_000)}, attempts = attempts + 1, updated_at = now()
    WHERE c.id IN (
      SELECT id FROM follow_up_campaigns WHERE project_id = ${input.projectId}::uuid AND status = 'active' AND next_send_at <= ${input.now}
      ORDER BY next_send_at LIMIT ${input.limit ?? 50} FOR UPDATE SKIP LOCKED)
    RETURNING c.id, c.project_id, c.recommendation_id, c.conversation_id, c.steps, c.next_step, c.started_at, c.attempts, c.sent`;
  const res: SchedulerResult = { due: due.length, sent: 0, stoppedOnReply: 0, completed: 0, failed: 0, retrying: 0 };
  for (const c of due) {
    const step = c.steps[c.next_step]!;
    try {
      const conversationId = Number(c.conversation_id);
      const recent = await recentMessages(db, env, { projectId: c.project_id, conversationId });
      const reply = recent.find((m) => m.message_type === 0 && m.created_at * 1000 > c.started_at.getTime());
      if (reply) {
        await q`UPDATE follow_up_campaigns SET status = 'stopped_on_reply', active_key = NULL, next_send_at = NULL, attempts = 0, finished_at = ${input.now},
          stop_reason = ${`the client answered at ${new Date(reply.created_at * 1000).toISOString()}`}, updated_at = now() WHERE id = ${c.id}::uuid`;
        res.stoppedOnReply++;
        continue;
      }
      const dueAt = new Date(c.started_at.getTime() + step.afterHours * HOUR);
      const sent = await postChatwootMessage(db, env, { projectId: c.project_id, conversationId, content: step.content, recoverSince: c.attempts > 1 ? dueAt : undefined });
      const next = c.next_step + 1;
      const done = next >= c.steps.length;
      const log = [...c.sent, { step: c.next_step, messageId: sent.messageId, at: input.now.toISOString() }];
      await q`UPDATE follow_up_campaigns SET sent = ${JSON.stringify(log)}::jsonb, next_step = ${next}, attempts = 0, last_error = NULL,
          status = ${done ? "completed" : "active"}, active_key = ${done ? null : c.conversation_id}, finished_at = ${done ? input.now : null},
          next_send_at = ${done ? null : new Date(c.started_at.getTime() + c.steps[next]!.afterHours * HOUR)}, updated_at = now()
        WHERE id = ${c.id}::uuid`;
      await appendEvents(db, [{
        projectId: c.project_id, category: "domain", eventType: "follow_up_sent", occurredAt: input.now, actor: "team", source: "chatwoot",
        sourceRef: `follow_up:${c.id}:${c.next_step}`, payload: { campaignId: c.id, step: c.next_step + 1, of: c.steps.length, conversationId, messageId: sent.messageId, recommendationId: c.recommendation_id },
        evidenceRefs: [{ kind: "message", id: String(sent.messageId), snippet: step.content.slice(0, 300) }],
        dedupeKey: dedupeKey("follow_up", c.id, c.next_step),
      }]);
      res.sent++;
      if (done) res.completed++;
    } catch (e) {
      const message = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
      const last = c.attempts >= MAX_ATTEMPTS;
      // Backoff 5, 10 minutes…; after the last attempt the sequence stops as failed, visibly, with the error.
      await q`UPDATE follow_up_campaigns SET last_error = ${message}, updated_at = now(),
          status = ${last ? "failed" : "active"}, active_key = ${last ? null : c.conversation_id}, finished_at = ${last ? input.now : null},
          next_send_at = ${last ? null : new Date(input.now.getTime() + 5 * 60_000 * 2 ** (c.attempts - 1))}, stop_reason = ${last ? `gave up after ${c.attempts} attempts` : null}
        WHERE id = ${c.id}::uuid`;
      if (last) res.failed++;
      else res.retrying++;
    }
  }
  return res;
}
