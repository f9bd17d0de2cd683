import { createHash } from "node:crypto";
import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { sql } from "../../sql.ts";
import { LinearModel } from "./linear-model.ts";
import { baseModel, classifyLocal, type LocalModel } from "./local-engine.ts";
import { LABELS, type Label, type LabelResult, type MessageInput, type Understanding } from "./types.ts";

// Message understanding for the rest of the product: classify messages when they arrive (the local
// engine — the workspace's retrained model when it has one), store one result per message and engine
// (reclassified only when the text or the engine changes), and read back what is *effective*: a
// person's correction over the language model over the local engine.

export const contentHash = (text: string) => createHash("sha256").update(text).digest("hex");

type StoredModel = { labels: Record<Label, [number, number][]>; tone: [number, number][]; thresholds: Record<Label, number> };
const workspaceModels = new Map<string, LocalModel>();

/** The local model a project's messages are read with: its workspace's retrained one, else the base model. */
export async function localModelFor(db: Db, projectId: string): Promise<LocalModel> {
  const [row] = await sql(db)<{ workspace_id: string; version: string | null }>`
    SELECT p.workspace_id, m.version FROM projects p LEFT JOIN understanding_models m ON m.workspace_id = p.workspace_id WHERE p.id = ${projectId}::uuid`;
  if (!row?.version) return baseModel();
  const key = `${row.workspace_id}:${row.version}`;
  let model = workspaceModels.get(key);
  if (!model) {
    const [stored] = await sql(db)<{ weights: StoredModel }>`SELECT weights FROM understanding_models WHERE workspace_id = ${row.workspace_id}::uuid`;
    if (!stored) return baseModel();
    model = {
      version: row.version,
      labels: Object.fromEntries(LABELS.map((l) => [l, LinearModel.fromSparse(stored.weights.labels[l] ?? [])])) as Record<Label, LinearModel>,
      tone: LinearModel.fromSparse(stored.weights.tone),
      thresholds: stored.weights.thresholds,
    };
    for (const k of workspaceModels.keys()) if (k.startsWith(`${row.workspace_id}:`)) workspaceModels.delete(k);
    workspaceModels.set(key, model);
  }
  return model;
}

export function serializeModel(model: LocalModel): StoredModel {
  return { labels: Object.fromEntries(LABELS.map((l) => [l, model.labels[l].toSparse()])) as Record<Label, [number, number][]>, tone: model.tone.toSparse(), thresholds: model.thresholds };
}

type Writer = Db | Prisma.TransactionClient;

/**
 * Classifies messages with the local engine and stores the results; a message whose text and engine
 * are unchanged keeps its stored result. Returns each message's result.
 */
export async function understandMessages(db: Writer, model: LocalModel, projectId: string, messages: (MessageInput & { id: string })[]): Promise<Map<string, Understanding>> {
  const out = new Map<string, Understanding>();
  if (!messages.length) return out;
  const stored = await db.messageUnderstanding.findMany({ where: { projectId, engine: "local", messageId: { in: messages.map((m) => m.id) } } });
  const current = new Map(stored.map((s) => [s.messageId, s]));
  const fresh: { id: string; hash: string; u: Understanding }[] = [];
  for (const m of messages) {
    const hash = contentHash(m.text);
    const s = current.get(m.id);
    if (s && s.contentHash === hash && s.engineVersion === model.version) {
      out.set(m.id, { labels: s.labels as LabelResult[], scores: s.scores as Record<string, number>, tone: s.tone, language: s.language as Understanding["language"], engine: "local", engineVersion: s.engineVersion });
      continue;
    }
    const u = classifyLocal(model, m);
    out.set(m.id, u);
    fresh.push({ id: m.id, hash, u });
  }
  if (fresh.length) await writeUnderstandings(db, projectId, fresh.map((f) => ({ messageId: f.id, contentHash: f.hash, u: f.u })));
  return out;
}

export async function writeUnderstandings(db: Writer, projectId: string, rows: { messageId: string; contentHash: string; u: Understanding }[]) {
  const doc = JSON.stringify(rows.map((r) => ({ m: r.messageId, e: r.u.engine, v: r.u.engineVersion, h: r.contentHash, l: r.u.labels, s: r.u.scores, t: r.u.tone, g: r.u.language })));
  await db.$executeRaw`
    INSERT INTO message_understandings (project_id, message_id, engine, engine_version, content_hash, labels, scores, tone, language, updated_at)
    SELECT ${projectId}::uuid, r.m, r.e, r.v, r.h, r.l, r.s, r.t, r.g, now() FROM jsonb_to_recordset(${doc}::jsonb) AS r(m text, e text, v text, h text, l jsonb, s jsonb, t float8, g text)
    ON CONFLICT (project_id, message_id, engine) DO UPDATE SET engine_version = EXCLUDED.engine_version, content_hash = EXCLUDED.content_hash, labels = EXCLUDED.labels,
      scores = EXCLUDED.scores, tone = EXCLUDED.tone, language = EXCLUDED.language, updated_at = now()`;
}

export type EffectiveLabel = LabelResult & { decidedBy: "local" | "openai" | "correction" };
export type Effective = { labels: EffectiveLabel[]; scores: Record<string, number>; tone: number; language: string; engine: "local" | "openai"; corrected: Partial<Record<Label, boolean>> };

/**
 * What counts for one message: the engine's labels with a person's corrections applied — a
 * correction removes a label ("not a scope request") or adds it, quoting the message.
 */
export function applyCorrections(engineLabels: LabelResult[], engine: "local" | "openai", corrections: Partial<Record<Label, boolean>>, text: string): EffectiveLabel[] {
  const labels: EffectiveLabel[] = engineLabels.filter((l) => corrections[l.label] === undefined).map((l) => ({ ...l, decidedBy: engine }));
  for (const [label, applies] of Object.entries(corrections) as [Label, boolean][]) {
    if (applies) labels.push({ label, confidence: 1, span: engineLabels.find((l) => l.label === label)?.span ?? text.slice(0, 300), decidedBy: "correction" });
  }
  return labels;
}

/**
 * What counts for each message: the language model's result when there is one, else the local
 * engine's; a person's correction of a label overrides both (adding or removing it).
 */
export async function effectiveUnderstandings(db: Db, projectId: string, messageIds: string[]): Promise<Map<string, Effective>> {
  const out = new Map<string, Effective>();
  if (!messageIds.length) return out;
  const [rows, corrections, texts] = await Promise.all([
    sql(db)<{ message_id: string; engine: "local" | "openai"; labels: LabelResult[]; scores: Record<string, number>; tone: number; language: string }>`
      SELECT DISTINCT ON (message_id) message_id, engine, labels, scores, tone, language FROM message_understandings
      WHERE project_id = ${projectId}::uuid AND message_id = ANY(${messageIds}::text[]) ORDER BY message_id, (engine = 'openai') DESC`,
    sql(db)<{ message_id: string; label: Label; applies: boolean }>`
      SELECT message_id, label, applies FROM understanding_corrections WHERE project_id = ${projectId}::uuid AND message_id = ANY(${messageIds}::text[])`,
    sql(db)<{ id: string; content: string | null }>`SELECT external_id AS id, content FROM cw_messages WHERE project_id = ${projectId}::uuid AND external_id = ANY(${messageIds}::text[])`,
  ]);
  const textOf = new Map(texts.map((t) => [t.id, t.content ?? ""]));
  const correctionsOf = new Map<string, Partial<Record<Label, boolean>>>();
  for (const c of corrections) correctionsOf.set(c.message_id, { ...correctionsOf.get(c.message_id), [c.label]: c.applies });
  const byId = new Map(rows.map((r) => [r.message_id, r]));
  for (const id of new Set([...byId.keys(), ...correctionsOf.keys()])) {
    const r = byId.get(id);
    const corrected = correctionsOf.get(id) ?? {};
    out.set(id, {
      labels: applyCorrections(r?.labels ?? [], r?.engine ?? "local", corrected, textOf.get(id) ?? ""),
      scores: r?.scores ?? {}, tone: r?.tone ?? 0, language: r?.language ?? "unknown", engine: r?.engine ?? "local", corrected,
    });
  }
  return out;
}
