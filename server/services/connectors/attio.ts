import { createHash } from "node:crypto";
import { z } from "zod";
import { appendEvents, dedupeKey, type NewEvent } from "../events/event-log.ts";
import { bulkUpsert, inTransaction, softDeleteMissing } from "./bulk-upsert.ts";
import { ConnectorError } from "./http-client.ts";
import type { SyncContext, SyncResult } from "./types.ts";

// Attio records carry no updated_at, so every sync scans every object fully and detects changes by a
// hash of the active attribute values: unchanged records are not written.
//
// Paging. Attio's records query pages by limit/offset and, without `sorts`, promises no order: two pages
// of one scan may overlap or leave records out. Every query therefore sorts by created_at, then
// record_id (a total order: record ids are unique, created_at never changes), and pages by key: each
// request asks for `created_at >= <last created_at seen>` and skips, by offset, only the records of
// that same instant already read (usually 0; thousands when an import created them in one instant).
// Records at or before the last key are dropped client-side, so an overlap is never processed twice.
// A scan ends when Attio answers an empty page (a short page is not proof: the server may cap `limit`).
//
// Budget. The run's request budget (http-client `requestBudget`) can end a scan at any page: the place
// reached (last key and offset, per object; the notes offset) is the cursor, the result is `incomplete`
// and the next run continues the same pass. Pages already written stay written.
//
// Deletions without a full id list. A page covers the key range from the previous page's last key to its
// own; a mirrored record whose key lies in that range but is not on the page was either deleted or
// shifted out of the page by a deletion upstream while we paged. A direct read decides (404: soft-delete;
// found: write it now), so nothing is deleted on an offset artefact and no id list spans runs.
//
// Notes (GET /v2/notes) take no sorts or filter: they are paged by offset (max 50) in Attio's order; the
// ids seen during a pass are kept in the cursor until it ends, then notes not seen are read one by one
// (404: soft-delete). Evidence links are the records' web_url as Attio returns it; a note links to its
// parent record's. No web_url, no link (never a made-up one).

const value = z.object({ active_from: z.string().nullish(), active_until: z.string().nullish(), attribute_type: z.string() }).passthrough();
const record = z.object({
  id: z.object({ workspace_id: z.string(), object_id: z.string(), record_id: z.string() }),
  created_at: z.string(),
  web_url: z.string().nullish(),
  values: z.record(z.string(), z.array(value)),
});
const recordsPage = z.object({ data: z.array(record) });
const note = z
  .object({
    id: z.object({ note_id: z.string() }).passthrough(),
    parent_object: z.string(),
    parent_record_id: z.string(),
    title: z.string().nullish(),
    content_plaintext: z.string().nullish(),
    created_at: z.string(),
  })
  .passthrough();
const notesPage = z.object({ data: z.array(note) });
const notFound = z.object({ code: z.string() }).passthrough();

type AttioRecord = z.infer<typeof record>;
type AttioNote = z.infer<typeof note>;
const PAGE = 500; // Attio's default `limit` for record queries
const NOTES_PAGE = 50; // the documented maximum for notes
/** A pass cut short by the budget resumes a minute later: the budget spreads a big pass over runs. */
const RESUME_AFTER_MS = 60_000;
/** Attio's order for every query: oldest first, record id breaking ties (a total, stable order). */
export const ATTIO_SORTS = [
  { attribute: "created_at", direction: "asc" },
  { attribute: "record_id", direction: "asc" },
] as const;

const OBJECTS = ["companies", "people", "deals"] as const;
type ObjectSlug = (typeof OBJECTS)[number];
const TABLE: Record<ObjectSlug, string> = { companies: "attio_companies", people: "attio_people", deals: "attio_deals" };
const FETCHED = { companies: "companiesFetched", people: "peopleFetched", deals: "dealsFetched" } as const;

type Key = { createdAt: string; recordId: string };
/** Where a scan of one object stands: the last key processed and how many records share its instant. */
type ObjectProgress = { after: Key | null; tie: number; done: boolean; fetched: number };
type Pass = { startedAt: string; objects: Record<ObjectSlug, ObjectProgress>; notes: { offset: number; seen: string[]; done: boolean } };
const cursorSchema = z
  .object({
    scannedAt: z.string().optional(),
    pass: z
      .object({
        startedAt: z.string(),
        objects: z.record(z.string(), z.object({ after: z.object({ createdAt: z.string(), recordId: z.string() }).nullable(), tie: z.number().int().min(0), done: z.boolean(), fetched: z.number().int().min(0) })),
        notes: z.object({ offset: z.number().int().min(0), seen: z.array(z.string()), done: z.boolean() }),
      })
      .optional(),
  })
  .passthrough();

const newPass = (now: Date): Pass => ({
  startedAt: now.toISOString(),
  objects: { companies: { after: null, tie: 0, done: false, fetched: 0 }, people: { after: null, tie: 0, done: false, fetched: 0 }, deals: { after: null, tie: 0, done: false, fetched: 0 } },
  notes: { offset: 0, seen: [], done: false },
});

/** Attio's timestamps share one format (nanoseconds, Z): compare by instant, then as text for sub-ms digits. */
function compareTs(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b) || (a < b ? -1 : a > b ? 1 : 0);
}
// Canonical (lowercase) UUIDs order the same as text and as Postgres uuids: plain code-unit comparison.
export const compareKey = (a: Key, b: Key) => compareTs(a.createdAt, b.createdAt) || (a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0);
const keyOf = (r: AttioRecord): Key => ({ createdAt: r.created_at, recordId: r.id.record_id });
const isBudget = (e: unknown) => e instanceof ConnectorError && e.kind === "budget_exhausted";

/** The current value(s) of an attribute: those not ended (active_until null). */
function active(r: AttioRecord, attr: string) {
  return (r.values[attr] ?? []).filter((v) => !v.active_until);
}
function scalar(r: AttioRecord, attr: string): string | number | null {
  const v = active(r, attr)[0] as Record<string, unknown> | undefined;
  if (!v) return null;
  switch (v.attribute_type) {
    case "currency":
      return (v.currency_value as number) ?? null;
    case "status":
      return (v.status as { title?: string } | undefined)?.title ?? null;
    case "select":
      return (v.option as { title?: string } | undefined)?.title ?? null;
    case "record-reference":
      return (v.target_record_id as string) ?? null;
    case "domain":
      return (v.domain as string) ?? null;
    case "email-address":
      return (v.email_address as string) ?? null;
    case "personal-name":
      return (v.full_name as string) ?? null;
    default:
      return (v.value as string | number) ?? null;
  }
}
export function valuesHash(r: AttioRecord): string {
  const activeOnly = Object.fromEntries(
    Object.keys(r.values)
      .sort()
      .map((k) => [k, active(r, k).map((v) => ({ ...v, active_from: undefined }))]),
  );
  return createHash("sha1").update(JSON.stringify(activeOnly)).digest("hex");
}

export async function syncAttio(ctx: SyncContext): Promise<SyncResult> {
  const { db, projectId, http, now } = ctx;
  const ws = ctx.source.externalId;
  const counters = { pages: 0, companiesFetched: 0, peopleFetched: 0, dealsFetched: 0, notesFetched: 0, recordsWritten: 0, recordsDeleted: 0, eventsWritten: 0 };
  const saved = cursorSchema.safeParse(ctx.cursor ?? {});
  const prev = saved.success ? saved.data : {};
  // A cursor from before resumable passes (or unreadable) starts a fresh pass: a full scan is always safe.
  const pass: Pass = prev.pass && OBJECTS.every((o) => prev.pass!.objects[o]) ? (prev.pass as Pass) : newPass(now);
  const seenNotes = new Set(pass.notes.seen);
  let stoppedBy: string | null = null;

  const url = (r: AttioRecord) => r.web_url ?? undefined;
  const base = (r: AttioRecord) => ({ project_id: projectId, external_id: r.id.record_id, workspace_id: ws, values_hash: valuesHash(r), data: r });

  const writers: Record<ObjectSlug, (page: AttioRecord[]) => Promise<void>> = {
    companies: async (page) => {
      counters.recordsWritten += (
        await bulkUpsert(
          db,
          "attio_companies",
          [
            { name: "workspace_id", type: "text" },
            { name: "name", type: "text" },
            { name: "domain", type: "text" },
            { name: "stage", type: "text" },
            { name: "annual_revenue", type: "numeric" },
            { name: "values_hash", type: "text" },
            { name: "data", type: "jsonb" },
          ],
          page.map((r) => ({ ...base(r), name: scalar(r, "name"), domain: scalar(r, "domains"), stage: scalar(r, "estimated_arr_usd"), annual_revenue: scalar(r, "annual_revenue") })),
        )
      ).length;
    },
    people: async (page) => {
      counters.recordsWritten += (
        await bulkUpsert(
          db,
          "attio_people",
          [
            { name: "workspace_id", type: "text" },
            { name: "company_external_id", type: "text" },
            { name: "full_name", type: "text" },
            { name: "email", type: "text" },
            { name: "job_title", type: "text" },
            { name: "values_hash", type: "text" },
            { name: "data", type: "jsonb" },
          ],
          page.map((r) => ({
            ...base(r),
            company_external_id: scalar(r, "company"),
            full_name: scalar(r, "name"),
            email: (scalar(r, "email_addresses") as string | null)?.toLowerCase() ?? null,
            job_title: scalar(r, "job_title"),
          })),
        )
      ).length;
    },
    // Deals and the events their changes cause commit together: a crash loses neither alone.
    deals: (page) => inTransaction(db, async (tx) => {
      const writtenDeals = await bulkUpsert<{ stage: string | null; values_hash: string; data: AttioRecord }>(
        tx,
        "attio_deals",
        [
          { name: "workspace_id", type: "text" },
          { name: "company_external_id", type: "text" },
          { name: "name", type: "text" },
          { name: "stage", type: "text" },
          { name: "amount", type: "numeric" },
          { name: "currency", type: "text" },
          { name: "probability", type: "float8" },
          { name: "expected_close_date", type: "date" },
          { name: "values_hash", type: "text" },
          { name: "data", type: "jsonb" },
        ],
        page.map((r) => ({
          ...base(r),
          company_external_id: scalar(r, "associated_company"),
          name: scalar(r, "name"),
          stage: scalar(r, "stage"),
          amount: scalar(r, "value"),
          currency: ((active(r, "value")[0] as Record<string, unknown> | undefined)?.currency_code as string) ?? null,
          probability: null,
          expected_close_date: scalar(r, "close_date"),
        })),
        { returnOld: ["stage", "values_hash", "data"] },
      );
      counters.recordsWritten += writtenDeals.length;
      const events: NewEvent[] = [];
      const dealById = new Map(page.map((d) => [d.id.record_id, d]));
      for (const w of writtenDeals) {
        const d = dealById.get(w.externalId)!;
        const stage = scalar(d, "stage") as string | null;
        const oldStage = w.old?.stage ?? null;
        const ev = {
          projectId,
          category: "domain" as const,
          source: "attio",
          sourceRef: `attiodeal:${ws}:${w.externalId}`,
          sourceUrl: url(d) ?? null,
          actor: "team" as const,
          evidenceRefs: [{ kind: "deal" as const, id: w.externalId, url: url(d), snippet: `${scalar(d, "name") ?? "Deal"} · ${stage ?? "no stage"}` }],
        };
        const stageFrom = active(d, "stage")[0]?.active_from;
        if (stage !== oldStage) {
          const payload = { dealId: w.externalId, stage, previousStage: oldStage, amount: scalar(d, "value") };
          const at = stageFrom ? new Date(stageFrom) : now;
          events.push({ ...ev, eventType: "deal_stage_changed", occurredAt: at, payload, dedupeKey: dedupeKey("attio", ws, "deal_stage_changed", w.externalId, stage) });
          if (stage && /won/i.test(stage)) events.push({ ...ev, eventType: "deal_won", occurredAt: at, payload, dedupeKey: dedupeKey("attio", ws, "deal_won", w.externalId) });
          if (stage && /lost|churn/i.test(stage))
            events.push({ ...ev, eventType: "deal_lost", occurredAt: at, payload, dedupeKey: dedupeKey("attio", ws, "deal_lost", w.externalId) });
        }
        const cost = scalar(d, "cost_to_date");
        const oldCost = w.old ? scalar(w.old.data, "cost_to_date") : null;
        if (cost !== null && cost !== oldCost) {
          const costFrom = active(d, "cost_to_date")[0]?.active_from;
          events.push({
            ...ev,
            eventType: "finance_entry_recorded",
            occurredAt: costFrom ? new Date(costFrom) : now,
            payload: { dealId: w.externalId, kind: "cost_to_date", amount: cost, planned: scalar(d, "value") },
            dedupeKey: dedupeKey("attio", ws, "finance_entry_recorded", w.externalId, cost),
          });
        }
      }
      counters.eventsWritten += await appendEvents(tx, events);
    }),
  };

  /**
   * Mirrored records of `object` whose key lies in (from, to] (to null: no upper end) but that a scan of
   * that range did not return: read each directly; gone (404) → soft-deleted, found → written now.
   */
  const reconcileRange = async (object: ObjectSlug, from: Key | null, to: Key | null, seen: string[]) => {
    const candidates = await db.$queryRawUnsafe<{ external_id: string }[]>(
      `SELECT external_id FROM "${TABLE[object]}" t WHERE project_id = $1::uuid AND deleted_at IS NULL
         AND ($2::text IS NULL OR ((t.data->>'created_at')::timestamptz, t.external_id COLLATE "C") > ($2::timestamptz, $3::text COLLATE "C"))
         AND ($4::text IS NULL OR ((t.data->>'created_at')::timestamptz, t.external_id COLLATE "C") <= ($4::timestamptz, $5::text COLLATE "C"))
         AND t.external_id NOT IN (SELECT unnest($6::text[]))`,
      projectId, from?.createdAt ?? null, from?.recordId ?? null, to?.createdAt ?? null, to?.recordId ?? null, seen,
    );
    const gone: string[] = [];
    for (const c of candidates) {
      const res = await http.request("GET", `v2/objects/${object}/records/${c.external_id}`, { schema: z.object({ data: record }).or(notFound), okStatuses: [404] });
      counters.pages++;
      if (res.status === 404) gone.push(c.external_id);
      else await writers[object]([(res.data as { data: AttioRecord }).data]);
    }
    if (gone.length) {
      const deleted = await db.$queryRawUnsafe<{ external_id: string }[]>(
        `UPDATE "${TABLE[object]}" SET deleted_at = $3 WHERE project_id = $1::uuid AND deleted_at IS NULL AND external_id = ANY($2::text[]) RETURNING external_id`,
        projectId, gone, now,
      );
      counters.recordsDeleted += deleted.length;
    }
  };

  const scan = async (object: ObjectSlug) => {
    const p = pass.objects[object];
    if (p.done) return;
    const fetchPage = (after: Key | null, tie: number) =>
      http.request("POST", `v2/objects/${object}/records/query`, {
        body: { ...(after ? { filter: { created_at: { $gte: after.createdAt } } } : {}), sorts: ATTIO_SORTS, limit: PAGE, offset: tie },
        schema: recordsPage,
      });
    // Pages are pipelined: the next one is requested (its key is known) while this one is written.
    let pending: ReturnType<typeof fetchPage> | null = fetchPage(p.after, p.tie);
    try {
      while (pending) {
        const res = await pending;
        pending = null;
        counters.pages++;
        const page = res.data.data.filter((r) => !p.after || compareKey(keyOf(r), p.after) > 0);
        const last = page.length ? keyOf(page[page.length - 1]!) : null;
        const nextTie = !last ? p.tie : p.after && last.createdAt === p.after.createdAt ? p.tie + res.data.data.length : page.filter((r) => r.created_at === last.createdAt).length;
        if (res.data.data.length > 0) {
          // The answer decides: anything at all means there may be more (a repeat-only page moves the offset on).
          pending = fetchPage(last ?? p.after, last ? nextTie : p.tie + res.data.data.length);
          pending.catch(() => undefined);
        }
        if (page.length) await writers[object](page);
        await reconcileRange(object, p.after, pending ? last ?? p.after : null, page.map((r) => r.id.record_id));
        p.fetched += page.length;
        counters[FETCHED[object]] += page.length;
        if (last) p.after = last;
        p.tie = last ? nextTie : p.tie + res.data.data.length;
        if (!pending) p.done = true;
      }
    } catch (e) {
      if (!isBudget(e)) throw e;
      stoppedBy = "budget_exhausted";
    }
  };

  const scanNotes = async () => {
    const n = pass.notes;
    if (n.done) return;
    try {
      for (;;) {
        const res = await http.request("GET", "v2/notes", { query: { limit: NOTES_PAGE, offset: n.offset }, schema: notesPage });
        counters.pages++;
        const page = res.data.data;
        if (page.length === 0) break;
        await writeNotes(page);
        for (const x of page) seenNotes.add(x.id.note_id);
        n.offset += page.length;
      }
      // Notes mirrored but not listed in this pass: gone, or skipped by offset paging. A direct read decides.
      const candidates = await db.$queryRawUnsafe<{ external_id: string }[]>(
        `SELECT external_id FROM attio_activities t WHERE project_id = $1::uuid AND deleted_at IS NULL AND t.external_id NOT IN (SELECT unnest($2::text[]))`,
        projectId, [...seenNotes],
      );
      for (const c of candidates) {
        const res = await http.request("GET", `v2/notes/${c.external_id}`, { schema: z.object({ data: note }).or(notFound), okStatuses: [404] });
        counters.pages++;
        if (res.status !== 404) {
          await writeNotes([(res.data as { data: AttioNote }).data]);
          seenNotes.add(c.external_id);
        }
      }
      counters.recordsDeleted += (await softDeleteMissing(db, "attio_activities", projectId, [...seenNotes], now)).length;
      n.done = true;
    } catch (e) {
      if (!isBudget(e)) throw e;
      stoppedBy = "budget_exhausted";
    }
  };

  const writeNotes = async (notes: AttioNote[]) => {
    counters.notesFetched += notes.length;
    // A note links to its parent record's web page, as mirrored (the parent may have been read in an earlier run).
    const parents = [...new Set(notes.map((x) => x.parent_record_id))];
    const webUrlOf = new Map(
      (
        await db.$queryRawUnsafe<{ external_id: string; web_url: string | null }[]>(
          OBJECTS.map((o) => `SELECT external_id, data->>'web_url' AS web_url FROM "${TABLE[o]}" WHERE project_id = $1::uuid AND external_id = ANY($2::text[])`).join(" UNION ALL "),
          projectId, parents,
        )
      ).flatMap((r) => (r.web_url ? [[r.external_id, r.web_url] as const] : [])),
    );
    await inTransaction(db, async (tx) => {
      const writtenNotes = await bulkUpsert(
        tx,
        "attio_activities",
        [
          { name: "workspace_id", type: "text" },
          { name: "parent_object", type: "text" },
          { name: "parent_record_id", type: "text" },
          { name: "title", type: "text" },
          { name: "content", type: "text" },
          { name: "occurred_at", type: "timestamptz" },
          { name: "values_hash", type: "text" },
          { name: "data", type: "jsonb" },
        ],
        notes.map((x) => ({
          project_id: projectId,
          external_id: x.id.note_id,
          workspace_id: ws,
          parent_object: x.parent_object,
          parent_record_id: x.parent_record_id,
          title: x.title ?? null,
          content: x.content_plaintext ?? null,
          occurred_at: x.created_at,
          values_hash: createHash("sha1").update(`${x.title}|${x.content_plaintext}`).digest("hex"),
          data: x,
        })),
      );
      counters.recordsWritten += writtenNotes.length;
      const byId = new Map(notes.map((x) => [x.id.note_id, x]));
      const noteEvents: NewEvent[] = writtenNotes
        .filter((w) => w.inserted)
        .map((w) => {
          const x = byId.get(w.externalId)!;
          return {
            projectId,
            category: "domain",
            eventType: "note_logged",
            occurredAt: new Date(x.created_at),
            source: "attio",
            sourceRef: `attioact:${ws}:${w.externalId}`,
            sourceUrl: webUrlOf.get(x.parent_record_id) ?? null,
            actor: "team",
            payload: { noteId: w.externalId, title: x.title, parentObject: x.parent_object, parentRecordId: x.parent_record_id, snippet: (x.content_plaintext ?? "").slice(0, 300) },
            evidenceRefs: [{ kind: "doc", id: w.externalId, url: webUrlOf.get(x.parent_record_id), snippet: (x.content_plaintext ?? "").slice(0, 300) }],
            dedupeKey: dedupeKey("attio", ws, "note_logged", w.externalId),
          };
        });
      counters.eventsWritten += await appendEvents(tx, noteEvents);
    });
  };

  // The three objects are independent scans: side by side (the client's rate limit still holds). Notes
  // follow, so the records they link to are mirrored first.
  await Promise.all(OBJECTS.map(scan));
  if (!stoppedBy) await scanNotes();
  if (stoppedBy || !pass.notes.done) {
    pass.notes.seen = [...seenNotes];
    return {
      cursor: { ...(prev.scannedAt ? { scannedAt: prev.scannedAt } : {}), pass },
      counters,
      meta: { pass: { startedAt: pass.startedAt, done: Object.fromEntries(OBJECTS.map((o) => [o, pass.objects[o].done])), notesDone: pass.notes.done } },
      incomplete: { reason: stoppedBy ?? "budget_exhausted", resumeAfterMs: RESUME_AFTER_MS },
    };
  }
  return {
    cursor: { scannedAt: now.toISOString() },
    counters,
    meta: { coverage: await attioCoverage(ctx, { companies: pass.objects.companies.fetched, deals: pass.objects.deals.fetched }) },
  };
}

/** How completely Attio is mirrored: records upstream vs stored, and links that point nowhere. */
export async function attioCoverage(ctx: SyncContext, upstream: { companies: number; deals: number }) {
  const [row] = await ctx.db.$queryRaw<{ companies: number; deals: number; deals_without_company: number; deals_broken_link: number; people_broken_link: number }[]>`
    SELECT
      (SELECT count(*)::int FROM attio_companies WHERE project_id = ${ctx.projectId}::uuid AND deleted_at IS NULL) AS companies,
      (SELECT count(*)::int FROM attio_deals WHERE project_id = ${ctx.projectId}::uuid AND deleted_at IS NULL) AS deals,
      (SELECT count(*)::int FROM attio_deals WHERE project_id = ${ctx.projectId}::uuid AND deleted_at IS NULL AND company_external_id IS NULL) AS deals_without_company,
      (SELECT count(*)::int FROM attio_deals d WHERE d.project_id = ${ctx.projectId}::uuid AND d.deleted_at IS NULL AND d.company_external_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM attio_companies c WHERE c.project_id = d.project_id AND c.external_id = d.company_external_id AND c.deleted_at IS NULL)) AS deals_broken_link,
      (SELECT count(*)::int FROM attio_people p WHERE p.project_id = ${ctx.projectId}::uuid AND p.deleted_at IS NULL AND p.company_external_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM attio_companies c WHERE c.project_id = p.project_id AND c.external_id = p.company_external_id AND c.deleted_at IS NULL)) AS people_broken_link`;
  const r = row!;
  return {
    upstreamCompanies: upstream.companies,
    mirroredCompanies: r.companies,
    upstreamDeals: upstream.deals,
    mirroredDeals: r.deals,
    dealsWithoutCompany: r.deals_without_company,
    dealsWithBrokenCompanyLink: r.deals_broken_link,
    peopleWithBrokenCompanyLink: r.people_broken_link,
    accountCoverage: upstream.companies ? r.companies / upstream.companies : 1,
    dealCoverage: upstream.deals ? r.deals / upstream.deals : 1,
  };
}
