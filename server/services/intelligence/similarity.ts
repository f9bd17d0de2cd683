import { createHash } from "node:crypto";
import type { Db } from "../../db.ts";
import { sql, sqlTransaction } from "../../sql.ts";
import { isoDay } from "../../time.ts";
import type { EvidenceRef } from "../events/event-log.ts";

// Similar past cases (SPEC §7). A project's last 7/14/30 days become a 14-dimensional signature
// (pgvector, HNSW index) plus the bigrams of its event sequence and a little context. Search takes
// the nearest signatures of the same workspace from the index, then re-ranks them exactly on the
// combined score .6·time-series + .3·event-sequence + .1·context, and reads their outcomes in one query.

export const WINDOWS = [7, 14, 30] as const;
export type WindowDays = (typeof WINDOWS)[number];
const DAY = 86_400_000;
const clamp = (v: number, lo = 0, hi = 1) => Math.min(hi, Math.max(lo, v));
const r4 = (v: number) => Math.round(v * 10_000) / 10_000;

type SnapshotSignals = Record<string, { value: number }>;
type Snap = { signals: SnapshotSignals; scores: Record<string, { score: number }>; key_aggregates: { events_7d?: number } };

/** The 14 dimensions of SPEC §7: window averages (1–11) and last − first deltas (12–14). */
export function signatureVector(snaps: Snap[]): number[] {
  const v = (s: Snap, k: string) => s.signals[k]?.value ?? 0;
  const sc = (s: Snap, k: string) => s.scores[k]?.score ?? 0;
  const avg = (f: (s: Snap) => number) => snaps.reduce((a, s) => a + f(s), 0) / snaps.length;
  const first = snaps[0]!;
  const last = snaps[snaps.length - 1]!;
  const pos = [
    avg((s) => v(s, "waiting_on_client_days")) / 7,
    avg((s) => v(s, "blockers_age")) / 7,
    avg((s) => v(s, "stage_overdue")) / 5,
    avg((s) => v(s, "scope_creep_rate")) / 0.5,
    (avg((s) => v(s, "budget_burn_rate")) - 1) / 0.5,
    avg((s) => v(s, "margin_risk")),
    avg((s) => v(s, "activity_drop")),
    Math.abs(Math.min(avg((s) => v(s, "sentiment_trend")), 0)) / 0.4,
    avg((s) => sc(s, "risk")) / 100,
    1 - avg((s) => sc(s, "health")) / 100,
    avg((s) => s.key_aggregates.events_7d ?? 0) / 50,
  ].map((x) => clamp(x));
  const deltas = [(sc(last, "risk") - sc(first, "risk")) / 40, (v(last, "waiting_on_client_days") - v(first, "waiting_on_client_days")) / 7, (v(last, "scope_creep_rate") - v(first, "scope_creep_rate")) / 0.4].map((x) => clamp(x, -1, 1));
  return [...pos, ...deltas].map(r4);
}

export function bigrams(types: string[]): string[] {
  const out = new Set<string>();
  for (let i = 1; i < types.length; i++) out.add(`${types[i - 1]}>${types[i]}`);
  return [...out].sort();
}

export type CaseContext = { projectType: string; budgetBucket: string; stageBucket: string };
export function caseContext(name: string, pipeline: number, latestStage: string | null): CaseContext {
  const n = name.toLowerCase();
  const projectType = ["support", "growth", "migration", "integration"].find((t) => n.includes(t)) ?? "delivery";
  const budgetBucket = pipeline >= 200_000 ? "xl" : pipeline >= 100_000 ? "lg" : pipeline >= 50_000 ? "md" : pipeline >= 10_000 ? "sm" : "xs";
  const s = (latestStage ?? "").toLowerCase();
  const stageBucket = ["proposal", "negotiation", "won", "lost"].find((t) => s.includes(t)) ?? "discovery";
  return { projectType, budgetBucket, stageBucket };
}

const vectorLiteral = (v: number[]) => `[${v.join(",")}]`;

/** (Re)computes a project's signatures for every window from its snapshots and events up to `now`. */
export async function refreshCaseSignatures(db: Db, projectId: string, now: Date): Promise<{ written: number; skipped: number }> {
  const q = sql(db);
  const longest = Math.max(...WINDOWS);
  const since = new Date(now.getTime() - longest * DAY);
  // Everything the three windows need, read once for the longest.
  const [[project], snaps, events] = await Promise.all([
    q<{ name: string; workspace_id: string; pipeline: number; stage: string | null }>`
      SELECT p.name, p.workspace_id,
        (SELECT coalesce(sum(amount), 0)::float8 FROM attio_deals WHERE project_id = p.id AND deleted_at IS NULL) AS pipeline,
        (SELECT stage FROM attio_deals WHERE project_id = p.id AND deleted_at IS NULL ORDER BY synced_at DESC, external_id LIMIT 1) AS stage
      FROM projects p WHERE p.id = ${projectId}::uuid`,
    q<Snap & { day: string }>`
      SELECT to_char(snapshot_date, 'YYYY-MM-DD') AS day, signals_json AS signals, scores_json AS scores, key_aggregates_json AS key_aggregates FROM project_snapshots
      WHERE project_id = ${projectId}::uuid AND snapshot_date > ${isoDay(since)}::date AND snapshot_date <= ${isoDay(now)}::date ORDER BY snapshot_date`,
    q<{ event_type: string; at: Date }>`
      SELECT event_type, occurred_at AS at FROM kag_event_log WHERE project_id = ${projectId}::uuid AND category = 'domain' AND occurred_at > ${since} AND occurred_at <= ${now}
      ORDER BY occurred_at, id`,
  ]);
  if (!project) throw new Error(`project ${projectId} not found`);
  const context = caseContext(project.name, project.pipeline, project.stage);
  const rows: { window: number; vector: string; hash: string; ngrams: string[]; features: string }[] = [];
  for (const w of WINDOWS) {
    const from = new Date(now.getTime() - w * DAY);
    const inWindow = snaps.filter((s) => s.day > isoDay(from));
    if (inWindow.length === 0) continue;
    const types = events.filter((e) => e.at > from).slice(0, 5000).map((e) => e.event_type);
    const vec = signatureVector(inWindow);
    const grams = bigrams(types);
    const hash = createHash("sha1").update(`${JSON.stringify(vec)}|${JSON.stringify(grams)}`).digest("hex");
    rows.push({ window: w, vector: vectorLiteral(vec), hash, ngrams: grams.slice(0, 1000), features: JSON.stringify({ snapshots: inWindow.length, eventTypes: types.slice(-500) }) });
  }
  if (rows.length) {
    await q`
      INSERT INTO case_signatures (project_id, workspace_id, window_days, signature, signature_hash, ngrams, features, context, computed_at)
      SELECT ${projectId}::uuid, ${project.workspace_id}::uuid, r.w, r.v::vector, r.h, ARRAY(SELECT jsonb_array_elements_text(r.g)), r.f, ${JSON.stringify(context)}::jsonb, ${now}
      FROM unnest(${rows.map((r) => r.window)}::int[], ${rows.map((r) => r.vector)}::text[], ${rows.map((r) => r.hash)}::text[], ${rows.map((r) => JSON.stringify(r.ngrams))}::jsonb[], ${rows.map((r) => r.features)}::jsonb[]) AS r(w, v, h, g, f)
      ON CONFLICT (project_id, window_days) DO UPDATE SET workspace_id = EXCLUDED.workspace_id, signature = EXCLUDED.signature, signature_hash = EXCLUDED.signature_hash,
        ngrams = EXCLUDED.ngrams, features = EXCLUDED.features, context = EXCLUDED.context, computed_at = EXCLUDED.computed_at
      WHERE case_signatures.signature_hash IS DISTINCT FROM EXCLUDED.signature_hash OR case_signatures.context IS DISTINCT FROM EXCLUDED.context`;
  }
  return { written: rows.length, skipped: WINDOWS.length - rows.length };
}

export type SimilarCaseResult = {
  caseProjectId: string; caseProjectName: string; similarityScore: number;
  whySimilar: { timeSeries: number; eventSequence: number; context: number; distance: number };
  keySharedPatterns: string[];
  outcomesSeen: { outcomeType: string; occurredAt: Date; severity: number; notes: string; evidenceRefs: EvidenceRef[] }[];
};

const jaccard = (a: string[], b: string[]) => {
  if (!a.length && !b.length) return 0;
  const sb = new Set(b);
  const inter = a.filter((x) => sb.has(x)).length;
  return inter / (a.length + b.length - inter);
};

/** Nearest signatures in the workspace (HNSW, or an exact scan when `exact`), by distance only. */
export async function nearestSignatures(db: Db, input: { workspaceId: string; windowDays: number; vector: number[]; excludeProjectId?: string; limit: number; exact?: boolean; efSearch?: number }) {
  return sqlTransaction(db, async (q) => {
    // iterative_scan: a filtered HNSW search keeps scanning until enough rows pass the workspace filter (pgvector ≥ 0.8).
    const ef = String(Math.max(40, Math.min(1000, input.efSearch ?? input.limit * 2)));
    await q`SELECT set_config('hnsw.ef_search', ${ef}, true), set_config('hnsw.iterative_scan', 'strict_order', true), set_config('enable_indexscan', ${input.exact ? "off" : "on"}, true)`;
    return q<{ project_id: string; distance: number; ngrams: string[]; context: CaseContext }>`
      SELECT project_id, (signature <-> ${vectorLiteral(input.vector)}::vector)::float8 AS distance, ngrams, context FROM case_signatures
      WHERE workspace_id = ${input.workspaceId}::uuid AND window_days = ${input.windowDays} AND project_id IS DISTINCT FROM ${input.excludeProjectId ?? null}::uuid
      ORDER BY signature <-> ${vectorLiteral(input.vector)}::vector LIMIT ${input.limit}`;
  });
}

/** Projects of the same workspace whose recent situation looked most like this one's, and what happened to them. */
export async function similarCases(db: Db, input: { projectId: string; windowDays: WindowDays; topK: number }): Promise<{ cases: SimilarCaseResult[]; reason?: string }> {
  const [src] = await sql(db)<{ workspace_id: string; vector: string; ngrams: string[]; context: CaseContext }>`
    SELECT workspace_id, signature::text AS vector, ngrams, context FROM case_signatures WHERE project_id = ${input.projectId}::uuid AND window_days = ${input.windowDays}`;
  if (!src) return { cases: [], reason: "no_signature_yet" };
  const vector = JSON.parse(src.vector) as number[];
  const candidates = await nearestSignatures(db, { workspaceId: src.workspace_id, windowDays: input.windowDays, vector, excludeProjectId: input.projectId, limit: Math.min(300, Math.max(50, input.topK * 10)) });
  const ranked = candidates
    .map((c) => {
      const ts = 1 / (1 + c.distance);
      const seq = jaccard(src.ngrams, c.ngrams);
      const ctx = 0.4 * Number(c.context.budgetBucket === src.context.budgetBucket) + 0.3 * Number(c.context.projectType === src.context.projectType) + 0.3 * Number(c.context.stageBucket === src.context.stageBucket);
      const shared = src.ngrams.filter((g) => c.ngrams.includes(g)).slice(0, 5);
      return { projectId: c.project_id, score: clamp(0.6 * ts + 0.3 * seq + 0.1 * ctx), ts, seq, ctx, distance: c.distance, shared };
    })
    .sort((a, b) => b.score - a.score || a.projectId.localeCompare(b.projectId))
    .slice(0, input.topK);
  if (!ranked.length) return { cases: [], reason: "no_other_projects_with_signatures" };
  const ids = ranked.map((r) => r.projectId);
  const [names, outcomes] = await Promise.all([
    sql(db)<{ id: string; name: string }>`SELECT id, name FROM projects WHERE id = ANY(${ids}::uuid[])`,
    sql(db)<{ project_id: string; outcome_type: string; occurred_at: Date; severity: number; notes: string; evidence_refs: EvidenceRef[] }>`
      SELECT project_id, outcome_type, occurred_at, severity, notes, evidence_refs FROM (
        SELECT *, row_number() OVER (PARTITION BY project_id ORDER BY occurred_at DESC, id DESC) AS n FROM past_case_outcomes WHERE project_id = ANY(${ids}::uuid[])
      ) o WHERE n <= 8 ORDER BY project_id, occurred_at DESC`,
  ]);
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return {
    cases: ranked.map((r) => ({
      caseProjectId: r.projectId, caseProjectName: nameOf.get(r.projectId) ?? "", similarityScore: r4(r.score),
      whySimilar: { timeSeries: r4(r.ts), eventSequence: r4(r.seq), context: r4(r.ctx), distance: r4(r.distance) },
      keySharedPatterns: r.shared,
      outcomesSeen: outcomes.filter((o) => o.project_id === r.projectId).map((o) => ({ outcomeType: o.outcome_type, occurredAt: o.occurred_at, severity: o.severity, notes: o.notes, evidenceRefs: o.evidence_refs })),
    })),
  };
}
