import { createHash } from "node:crypto";
import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";

export type EvidenceRef = { kind: "message" | "issue" | "deal" | "doc" | "chunk"; id: string; url?: string; snippet?: string };

export type NewEvent = {
  projectId: string | null;
  category: "domain" | "process";
  eventType: string;
  occurredAt: Date;
  actor?: "client" | "team" | "system";
  source?: string;
  sourceRef?: string | null;
  sourceUrl?: string | null;
  payload?: Record<string, unknown>;
  evidenceRefs?: EvidenceRef[];
  /** Identity of the event; the same key for the same project is stored once. */
  dedupeKey: string;
};

/**
 * A link a browser may open: http(s) only. Providers' URLs are stored as they send them, and a
 * `javascript:` or `data:` URL from a compromised or odd provider must never become an href.
 */
export const webUrl = (url: string | null | undefined): string | undefined => (url && /^https?:\/\//i.test(url) ? url : undefined);

const safeRef = (r: EvidenceRef): EvidenceRef => {
  if (r.url === undefined || webUrl(r.url)) return r;
  const { url: _dropped, ...rest } = r;
  return rest;
};

/** Keeps the first ref of each (kind, id): evidence lists are unions of several sources. */
export function dedupeRefs(refs: EvidenceRef[]): EvidenceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.kind}:${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const dedupeKey = (...parts: (string | number | null | undefined)[]): string =>
  createHash("sha1").update(parts.map((p) => String(p ?? "")).join("|")).digest("hex");

/** Bulk insert; events already present (same project + dedupe key) are skipped. Returns rows inserted. */
export async function appendEvents(db: Db | Prisma.TransactionClient, events: NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  let inserted = 0;
  for (let i = 0; i < events.length; i += 1000) {
    const batch = events.slice(i, i + 1000);
    inserted += await db.$executeRaw`
      INSERT INTO kag_event_log (project_id, category, event_type, occurred_at, actor, source, source_ref, source_url, payload, evidence_refs, dedupe_key)
      SELECT t.project_id::uuid, t.category::"EventCategory", t.event_type, t.occurred_at, t.actor, t.source, t.source_ref, t.source_url, t.payload::jsonb, t.evidence_refs::jsonb, t.dedupe_key
      FROM unnest(
        ${batch.map((e) => e.projectId)}::text[], ${batch.map((e) => e.category)}::text[], ${batch.map((e) => e.eventType)}::text[],
        ${batch.map((e) => e.occurredAt)}::timestamptz[], ${batch.map((e) => e.actor ?? "system")}::text[], ${batch.map((e) => e.source ?? "system")}::text[],
        ${batch.map((e) => e.sourceRef ?? null)}::text[], ${batch.map((e) => webUrl(e.sourceUrl) ?? null)}::text[],
        ${batch.map((e) => JSON.stringify(e.payload ?? {}))}::text[], ${batch.map((e) => JSON.stringify((e.evidenceRefs ?? []).map(safeRef)))}::text[], ${batch.map((e) => e.dedupeKey)}::text[]
      ) AS t(project_id, category, event_type, occurred_at, actor, source, source_ref, source_url, payload, evidence_refs, dedupe_key)
      ON CONFLICT (project_id, dedupe_key) DO NOTHING`;
  }
  return inserted;
}

export type EventListFilter = {
  projectId: string;
  category?: "domain" | "process";
  eventType?: string;
  since?: Date;
  cursor?: string;
  limit: number;
};

/** Newest first by when it happened (then by id), keyset-paginated on (occurred_at, id). */
export async function listEvents(db: Db, f: EventListFilter) {
  const [ms, id] = f.cursor ? f.cursor.split(".") : [];
  const after = f.cursor ? { at: new Date(Number(ms)), id: BigInt(id!) } : null;
  const rows = await db.eventLog.findMany({
    where: {
      projectId: f.projectId,
      ...(f.category ? { category: f.category } : {}),
      ...(f.eventType ? { eventType: f.eventType } : {}),
      ...(f.since ? { occurredAt: { gte: f.since } } : {}),
      ...(after ? { OR: [{ occurredAt: { lt: after.at } }, { occurredAt: after.at, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
    take: f.limit + 1,
  });
  const page = rows.slice(0, f.limit);
  return {
    items: page.map((e) => ({
      id: e.id.toString(),
      category: e.category,
      eventType: e.eventType,
      occurredAt: e.occurredAt,
      actor: e.actor,
      source: e.source,
      sourceRef: e.sourceRef,
      sourceUrl: e.sourceUrl,
      payload: e.payload,
      evidenceRefs: e.evidenceRefs,
    })),
    nextCursor: rows.length > f.limit ? `${page[page.length - 1]!.occurredAt.getTime()}.${page[page.length - 1]!.id}` : null,
  };
}
