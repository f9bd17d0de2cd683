import { createHash } from "node:crypto";
import type { Db } from "../../db.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { sql } from "../../sql.ts";
import { recordAudit, type Actor } from "../audit.ts";
import { appendEvents, dedupeKey } from "../events/event-log.ts";
import { readCorpus } from "./corpus.ts";
import { baseModel, classifyLocal, trainLocalModel, type LocalModel, type TrainingRow } from "./local-engine.ts";
import { effectiveUnderstandings, serializeModel, type Effective } from "./service.ts";
import { LABELS_BY_AUTHOR, type Author, type Label } from "./types.ts";

// People correct what a message says: "not a scope request", "this is an approval request". A
// correction overrides every engine at once (signals and recommendations follow on their next
// refresh), is audited, and teaches the workspace's own local model (understanding_retrain), which is
// measured on corrections held back from its training before it is trusted.

/** A correction counts this many times a corpus message in training: it is this workspace's own language. */
const CORRECTION_WEIGHT = 3;
/**
 * The other messages a retrained model must still read as the base model does, on its least stable
 * label. Measured: 800 corrections calling ordinary client messages scope requests moved 11–16 % of the
 * others; a few genuine corrections move none.
 */
const MIN_STABILITY = 0.93;
const STABILITY_SAMPLE = 300;
/** Fewer held-back labels than this cannot tell a better model from a worse one. */
const MIN_JUDGED = 10;
/** Held back from training to measure the retrained model: one in five, by message. */
const heldBack = (messageId: string) => parseInt(createHash("sha1").update(messageId).digest("hex").slice(0, 8), 16) % 5 === 0;

export async function correctLabel(db: Db, input: { projectId: string; messageId: string; label: Label; applies: boolean | null; actor: Actor; requestId?: string }): Promise<Effective> {
  const msg = await db.cwMessage.findFirst({ where: { projectId: input.projectId, externalId: input.messageId, deletedAt: null }, select: { messageType: true, private: true } });
  if (!msg || msg.private || msg.messageType > 1) throw new NotFoundError("message not found in this project");
  const author: Author = msg.messageType === 0 ? "client" : "team";
  if (!LABELS_BY_AUTHOR[author].includes(input.label)) throw new ValidationError(`label: ${input.label} applies only to ${author === "client" ? "team" : "client"} messages`);
  const before = (await effectiveUnderstandings(db, input.projectId, [input.messageId])).get(input.messageId)?.labels.some((l) => l.label === input.label) ?? false;
  if (input.applies === null) {
    await db.understandingCorrection.deleteMany({ where: { projectId: input.projectId, messageId: input.messageId, label: input.label } });
  } else {
    await db.understandingCorrection.upsert({
      where: { projectId_messageId_label: { projectId: input.projectId, messageId: input.messageId, label: input.label } },
      create: { projectId: input.projectId, messageId: input.messageId, label: input.label, applies: input.applies, createdBy: input.actor.userId ?? null },
      update: { applies: input.applies, createdBy: input.actor.userId ?? null },
    });
    // Approving is asking: an approval request that applies also expects a reply.
    if (input.label === "approval_request" && input.applies) {
      await db.understandingCorrection.upsert({
        where: { projectId_messageId_label: { projectId: input.projectId, messageId: input.messageId, label: "expects_reply" } },
        create: { projectId: input.projectId, messageId: input.messageId, label: "expects_reply", applies: true, createdBy: input.actor.userId ?? null },
        update: {},
      });
    }
  }
  // The event log says it too: an event of this message's label ("Client asked for more scope") may
  // be in the feed already, and stays there as history beside the correction.
  const m = await db.cwMessage.findFirstOrThrow({ where: { projectId: input.projectId, externalId: input.messageId }, select: { accountId: true, conversationExternalId: true } });
  await appendEvents(db, [{
    projectId: input.projectId, category: "domain", eventType: "message_label_corrected", occurredAt: new Date(), actor: "team", source: "control_tower",
    sourceRef: `cwmsg:${m.accountId}:${input.messageId}`, payload: { messageId: Number(input.messageId), conversationId: Number(m.conversationExternalId), label: input.label, applies: input.applies, before },
    evidenceRefs: [{ kind: "message", id: input.messageId }], dedupeKey: dedupeKey("correction", input.messageId, input.label, String(input.applies), Date.now()),
  }]);
  await recordAudit(db, {
    actor: input.actor, projectId: input.projectId, action: "message_understanding.corrected", entityType: "message", entityId: input.messageId, requestId: input.requestId,
    payload: { label: input.label, applies: input.applies, before },
  });
  // The workspace's model learns from it at its next retraining (debounced: a burst of corrections is one run).
  const project = await db.project.findUniqueOrThrow({ where: { id: input.projectId }, select: { workspaceId: true } });
  await db.$queryRaw`SELECT graphile_worker.add_job('understanding_retrain', payload := ${JSON.stringify({ workspaceId: project.workspaceId })}::json,
    job_key := ${`understanding_retrain:${project.workspaceId}`}::text, run_at := ${new Date(Date.now() + 60_000)}::timestamptz, max_attempts := 3, job_key_mode := 'replace')`;
  return (await effectiveUnderstandings(db, input.projectId, [input.messageId])).get(input.messageId) ?? { labels: [], scores: {}, tone: 0, language: "unknown", engine: "local", corrected: {} };
}

type CorrectedMessage = { messageId: string; from: Author; text: string; labels: Label[]; tone: number; corrected: Partial<Record<Label, boolean>> };

/** Every corrected message of a workspace, with the labels a person says it carries (corrections over the engine). */
async function correctedMessages(db: Db, workspaceId: string): Promise<CorrectedMessage[]> {
  const rows = await sql(db)<{ project_id: string; message_id: string; message_type: number; content: string | null; label: Label; applies: boolean; labels: { label: Label }[] | null; tone: number | null }>`
    SELECT c.project_id, c.message_id, m.message_type, m.content, c.label, c.applies, u.labels, u.tone
    FROM understanding_corrections c JOIN projects p ON p.id = c.project_id
    JOIN cw_messages m ON m.project_id = c.project_id AND m.external_id = c.message_id
    LEFT JOIN message_understandings u ON u.project_id = c.project_id AND u.message_id = c.message_id AND u.engine = 'local'
    WHERE p.workspace_id = ${workspaceId}::uuid ORDER BY c.project_id, c.message_id, c.label`;
  const byMessage = new Map<string, CorrectedMessage>();
  for (const r of rows) {
    const key = `${r.project_id}:${r.message_id}`;
    const from: Author = r.message_type === 0 ? "client" : "team";
    const m = byMessage.get(key) ?? { messageId: key, from, text: r.content ?? "", labels: (r.labels ?? []).map((l) => l.label), tone: r.tone ?? 0, corrected: {} };
    m.corrected[r.label] = r.applies;
    byMessage.set(key, m);
  }
  for (const m of byMessage.values()) {
    m.labels = m.labels.filter((l) => m.corrected[l] !== false);
    for (const [l, applies] of Object.entries(m.corrected)) if (applies && !m.labels.includes(l as Label)) m.labels.push(l as Label);
  }
  return [...byMessage.values()];
}

const asTraining = (m: CorrectedMessage): TrainingRow => ({ from: m.from, text: m.text, labels: m.labels, tone: m.tone, spans: {}, weight: CORRECTION_WEIGHT });

/**
 * How often two models decide the same, label by label, on the given messages; the worst label
 * counts — a model that learned to fire one label everywhere is hidden in an average over all.
 */
function agreementBetween(a: LocalModel, b: LocalModel, messages: { from: Author; text: string }[]): number {
  const same = new Map<Label, number>();
  const of = new Map<Label, number>();
  for (const m of messages) {
    const x = new Set(classifyLocal(a, m).labels.map((l) => l.label));
    const y = new Set(classifyLocal(b, m).labels.map((l) => l.label));
    for (const label of LABELS_BY_AUTHOR[m.from]) {
      of.set(label, (of.get(label) ?? 0) + 1);
      if (x.has(label) === y.has(label)) same.set(label, (same.get(label) ?? 0) + 1);
    }
  }
  return Math.min(1, ...[...of].map(([label, n]) => (same.get(label) ?? 0) / n));
}

/** How often a model agrees with what people said about the labels they corrected. */
function agreement(model: LocalModel, messages: CorrectedMessage[]): { right: number; of: number } {
  let right = 0;
  let of = 0;
  for (const m of messages) {
    const said = new Set(classifyLocal(model, { from: m.from, text: m.text }).labels.map((l) => l.label));
    for (const [label, applies] of Object.entries(m.corrected)) {
      of++;
      if (said.has(label as Label) === applies) right++;
    }
  }
  return { right, of };
}

/**
 * understanding_retrain: the base corpus plus the workspace's corrections, weighted. First measured
 * — trained without the held-back fifth of the corrections, scored on it beside the base model —
 * then trained on all of them and stored as the workspace's model (its messages are read again by
 * message_understanding). No corrections: the workspace uses the base model.
 */
export async function retrainWorkspaceModel(db: Db, input: { workspaceId: string; now: Date }): Promise<{ counters: Record<string, number>; warnings: string[] }> {
  const corrected = await correctedMessages(db, input.workspaceId);
  if (!corrected.length) {
    await db.understandingModel.deleteMany({ where: { workspaceId: input.workspaceId } });
    return { counters: { corrections: 0 }, warnings: [] };
  }
  const corpus = readCorpus("train");
  const test = corrected.filter((m) => heldBack(m.messageId));
  const measured = trainLocalModel([...corpus, ...corrected.filter((m) => !heldBack(m.messageId)).map(asTraining)]);
  const before = agreement(baseModel(), test);
  const after = agreement(measured, test);
  const model = trainLocalModel([...corpus, ...corrected.map(asTraining)]);
  // Trusted only when it is not worse than the base model on what it did not learn from (with too
  // few held-back labels to tell, the corrections themselves are what it learned), and when it still
  // reads the workspace's other messages as the base model does — a model that learned to fire a
  // label everywhere would pass the first check alone.
  const others = await sql(db)<{ message_type: number; content: string | null }>`
    SELECT m.message_type, m.content FROM cw_messages m JOIN projects p ON p.id = m.project_id
    WHERE p.workspace_id = ${input.workspaceId}::uuid AND m.deleted_at IS NULL AND NOT m.private AND m.message_type IN (0, 1)
      AND NOT EXISTS (SELECT 1 FROM understanding_corrections c WHERE c.project_id = m.project_id AND c.message_id = m.external_id)
    ORDER BY m.source_created_at DESC LIMIT ${STABILITY_SAMPLE}`;
  const stability = agreementBetween(measured, baseModel(), others.map((o) => ({ from: o.message_type === 0 ? "client" as const : "team" as const, text: o.content ?? "" })));
  const adopted = (after.of < MIN_JUDGED || after.right >= before.right) && stability >= MIN_STABILITY;
  const metrics = {
    heldBack: test.length, labelsJudged: after.of, baseAgreement: before.of ? before.right / before.of : null, retrainedAgreement: after.of ? after.right / after.of : null,
    corrections: corrected.reduce((a, m) => a + Object.keys(m.corrected).length, 0), adopted, stability, otherMessages: others.length,
  };
  if (!adopted) {
    await db.understandingModel.deleteMany({ where: { workspaceId: input.workspaceId } });
    return { counters: { corrections: metrics.corrections, heldBack: test.length, baseRight: before.right, retrainedRight: after.right, judged: after.of, adopted: 0 }, warnings: [
      `the model retrained with this workspace's corrections is not trusted: ${after.right}/${after.of} right on corrections it had not seen (base ${before.right}/${before.of}), and on its least stable label it reads only ${Math.round(stability * 100)}% of the other messages as the base model does; the base model stays (the corrections still count on their messages)`,
    ] };
  }
  await db.understandingModel.upsert({
    where: { workspaceId: input.workspaceId },
    create: { workspaceId: input.workspaceId, version: model.version, corrections: metrics.corrections, weights: serializeModel(model) as object, metrics, trainedAt: input.now },
    update: { version: model.version, corrections: metrics.corrections, weights: serializeModel(model) as object, metrics, trainedAt: input.now },
  });
  // Its projects' messages are read again with it.
  const projects = await db.project.findMany({ where: { workspaceId: input.workspaceId, archivedAt: null }, select: { id: true } });
  for (const p of projects) {
    await db.$queryRaw`SELECT graphile_worker.add_job('message_understanding', payload := ${JSON.stringify({ projectId: p.id, trigger: "scheduler" })}::json,
      job_key := ${`message_understanding:${p.id}`}::text, job_key_mode := 'replace', max_attempts := 5)`;
  }
  return { counters: { corrections: metrics.corrections, heldBack: test.length, baseRight: before.right, retrainedRight: after.right, judged: after.of, adopted: 1 }, warnings: [] };
}
