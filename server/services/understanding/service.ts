import { createHash } from "node:crypto";
import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { sql } from "../../sql.ts";
import { LinearModel } from "./linear-model.ts";
import { baseModel, classifyLocal, type LocalModel } from "./local-engine.ts";
import { cleanText } from "./text.ts";
import { LABELS, type Label, type LabelResult, type MessageInput, type Understanding } from "./types.ts";

// Message understanding for the rest of the product: classify messages when they arrive (the local
// engine — the workspace's retrained model when it has one), store one result per message and engine
// (reclassified only when the text or the engine changes), and read back what is *effective*: a
// person's correction over the language model over the local engine.

export const contentHash = (text: string) => createHash("sha256").update(text).digest("hex");

type StoredModel = { labels: Record<Label, [number, number][]>; tone: [number, number][]; thresholds: Record<Label, number> };
const workspaceModels = new Map<string, LocalModel>();
const MAX_CACHED_MODELS = 8;

/** The local model a project's messages are read with: its workspace's retrained one, else the base model. */
export async function localModelFor(db: Db, projectId: string): Promise<LocalModel> {
  const [row] = await sql(db)<{ workspace_id: string; version: string | null }>`
    SELECT p.workspace_id, m.version FROM projects p LEFT JOIN understanding_models m ON m.workspace_id = p.workspace_id WHERE p.id = ${projectId}::uuid`;
  if (!row?.version) return baseModel();
  const key = `${row.workspace_id}:${row.version}`;
  let model = workspaceModels.get(key);
  if (model) {
    workspaceModels.delete(key);
    workspaceModels.set(key, model);
  } else {
    const [stored] = await sql(db)<{ weights: StoredModel }>`SELECT weights FROM understanding_models WHERE workspace_id = ${row.workspace_id}::uuid`;
    if (!stored) return baseModel();
    model = {
      version: row.version,
      labels: Object.fromEntries(LABELS.map((l) => [l, LinearModel.fromSparse(stored.weights.labels[l] ?? [])])) as Record<Label, LinearModel>,
      tone: LinearModel.fromSparse(stored.weights.tone),
      thresholds: stored.weights.thresholds,
    };
    for (const k of workspaceModels.keys()) if (k.startsWith(`${row.workspace_id}:`)) workspaceModels.delete(k);
    // A model is ~5 MB in memory: keep the most recently used few.
    if (workspaceModels.size >= MAX_CACHED_MODELS) workspaceModels.delete(workspaceModels.keys().next().value!);
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
 * What counts for each message: the language model's reading when it read the current text, else the
 * local engine's; a person's correction of a label overrides both (adding or removing it). A message
 * nobody has read yet (just upgraded, or arrived another way) is read by the local engine on the spot,
 * so no signal ever counts an unread message as saying nothing.
 */
export async function effectiveUnderstandings(db: Db, projectId: string, messageIds: string[]): Promise<Map<string, Effective>> {
  const out = new Map<string, Effective>();
  if (!messageIds.length) return out;
  type Row = { message_id: string; engine: "local" | "openai"; content_hash: string; labels: LabelResult[]; scores: Record<string, number>; tone: number; language: string };
  const [rows, corrections] = await Promise.all([
    sql(db)<Row>`SELECT message_id, engine, content_hash, labels, scores, tone, language FROM message_understandings
      WHERE project_id = ${projectId}::uuid AND message_id = ANY(${messageIds}::text[])`,
    sql(db)<{ message_id: string; label: Label; applies: boolean }>`
      SELECT message_id, label, applies FROM understanding_corrections WHERE project_id = ${projectId}::uuid AND message_id = ANY(${messageIds}::text[])`,
  ]);
  const local = new Map<string, Row>();
  const llm = new Map<string, Row>();
  for (const r of rows) (r.engine === "openai" ? llm : local).set(r.message_id, r);
  const correctionsOf = new Map<string, Partial<Record<Label, boolean>>>();
  for (const c of corrections) correctionsOf.set(c.message_id, { ...correctionsOf.get(c.message_id), [c.label]: c.applies });
  // Texts only where needed: unread messages (read them now) and corrections that add a label (quote them).
  const unread = messageIds.filter((id) => !local.has(id) && !llm.has(id));
  const quoted = [...correctionsOf].filter(([, c]) => Object.values(c).some(Boolean)).map(([id]) => id);
  const need = [...new Set([...unread, ...quoted])];
  const texts = need.length
    ? await sql(db)<{ id: string; content: string | null; message_type: number }>`SELECT external_id AS id, content, message_type FROM cw_messages
        WHERE project_id = ${projectId}::uuid AND external_id = ANY(${need}::text[]) AND deleted_at IS NULL AND NOT private AND message_type IN (0, 1)`
    : [];
  const textOf = new Map(texts.map((t) => [t.id, t.content ?? ""]));
  const toRead = texts.filter((t) => unread.includes(t.id));
  if (toRead.length) {
    const model = await localModelFor(db, projectId);
    const read = toRead.map((t) => ({ messageId: t.id, contentHash: contentHash(t.content ?? ""), u: classifyLocal(model, { from: t.message_type === 0 ? "client" : "team", text: t.content ?? "" }) }));
    await writeUnderstandings(db, projectId, read);
    for (const r of read) local.set(r.messageId, { message_id: r.messageId, engine: "local", content_hash: r.contentHash, labels: r.u.labels, scores: r.u.scores, tone: r.u.tone, language: r.u.language });
  }
  for (const id of messageIds) {
    const l = local.get(id);
    const o = llm.get(id);
    // The language model's reading counts only for the text it read (the local row is rewritten with every edit).
    const r = o && (!l || o.content_hash === l.content_hash) ? o : l;
    const corrected = correctionsOf.get(id) ?? {};
    if (!r && !Object.keys(corrected).length) continue;
    out.set(id, {
      labels: applyCorrections(r?.labels ?? [], r?.engine ?? "local", corrected, cleanText(textOf.get(id) ?? "")),
      scores: r?.scores ?? {}, tone: r?.tone ?? 0, language: r?.language ?? "unknown", engine: r?.engine ?? "local", corrected,
    });
  }
  return out;
}
