import { createHash } from "node:crypto";
import { z } from "zod";
import { appendEvents, dedupeKey, type NewEvent } from "../events/event-log.ts";
import { bulkUpsert, inTransaction, softDeleteMissing } from "./bulk-upsert.ts";
import type { SyncContext, SyncResult } from "./types.ts";

// Attio records carry no updated_at, so every sync scans every object fully (limit/offset until a
// short page) and detects changes by a hash of the active attribute values: unchanged records are
// not written, vanished ones are soft-deleted. Afterwards the reconciliation coverage (accounts and
// deals mirrored, links that point nowhere) is computed and stored with the sync state.
// Evidence links are the records' web_url as Attio returns it; notes have no web URL of their own, so
// a note links to its parent record's. No web_url, no link (never a made-up one).

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

type AttioRecord = z.infer<typeof record>;
const PAGE = 500;
const NOTES_PAGE = 50;

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

  // Pages are pipelined: the next page is requested while `onPage` writes the current one.
  const scan = async (object: string, onPage?: (page: AttioRecord[]) => Promise<void>) => {
    const out: AttioRecord[] = [];
    const fetchPage = (offset: number) => http.request("POST", `v2/objects/${object}/records/query`, { body: { limit: PAGE, offset }, schema: recordsPage });
    let pending = fetchPage(0);
    for (let offset = 0; ; offset += PAGE) {
      const res = await pending;
      counters.pages++;
      const page = res.data.data;
      const more = page.length >= PAGE;
      if (more) {
        pending = fetchPage(offset + PAGE);
        pending.catch(() => undefined);
      }
      out.push(...page);
      await onPage?.(page);
      if (!more) break;
    }
    // A record moved between pages while we scanned shows up twice: keep one (its second write was a no-op).
    return [...new Map(out.map((r) => [r.id.record_id, r])).values()];
  };
  const url = (r: AttioRecord) => r.web_url ?? undefined;
  const base = (r: AttioRecord) => ({ project_id: projectId, external_id: r.id.record_id, workspace_id: ws, values_hash: valuesHash(r), data: r });
  const writeCompanies = async (page: AttioRecord[]) => {
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
        page.map((r) => ({
          ...base(r),
          name: scalar(r, "name"),
          domain: scalar(r, "domains"),
          stage: scalar(r, "estimated_arr_usd"),
          annual_revenue: scalar(r, "annual_revenue"),
        })),
      )
    ).length;
  };
  // The three objects are independent scans: run them side by side (the client's rate limit still
  // holds). Companies, the big one, are written page by page as they arrive.
  const [companies, people, deals] = await Promise.all([scan("companies", writeCompanies), scan("people"), scan("deals")]);
  counters.companiesFetched = companies.length;
  counters.peopleFetched = people.length;
  counters.dealsFetched = deals.length;

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
      people.map((r) => ({
        ...base(r),
        company_external_id: scalar(r, "company"),
        full_name: scalar(r, "name"),
        email: (scalar(r, "email_addresses") as string | null)?.toLowerCase() ?? null,
        job_title: scalar(r, "job_title"),
      })),
    )
  ).length;
  const dealRows = deals.map((r) => ({
    ...base(r),
    company_external_id: scalar(r, "associated_company"),
    name: scalar(r, "name"),
    stage: scalar(r, "stage"),
    amount: scalar(r, "value"),
    currency: ((active(r, "value")[0] as Record<string, unknown> | undefined)?.currency_code as string) ?? null,
    probability: null,
    expected_close_date: scalar(r, "close_date"),
  }));
  await inTransaction(db, async (tx) => {
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
      dealRows,
      { returnOld: ["stage", "values_hash", "data"] },
    );
    counters.recordsWritten += writtenDeals.length;
    const events: NewEvent[] = [];

    const dealById = new Map(deals.map((d) => [d.id.record_id, d]));
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
  });

  // Notes (activities): full scan, paged.
  const notes: z.infer<typeof note>[] = [];
  for (let offset = 0; ; offset += NOTES_PAGE) {
    const res = await http.request("GET", "v2/notes", { query: { limit: NOTES_PAGE, offset }, schema: notesPage });
    counters.pages++;
    notes.push(...res.data.data);
    if (res.data.data.length < NOTES_PAGE) break;
  }
  counters.notesFetched = notes.length;
  // Every company, person and deal was just scanned: their web URLs are at hand for the notes on them.
  const webUrlOf = new Map([...companies, ...people, ...deals].flatMap((r) => (r.web_url ? [[r.id.record_id, r.web_url] as const] : [])));
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
      notes.map((n) => ({
        project_id: projectId,
        external_id: n.id.note_id,
        workspace_id: ws,
        parent_object: n.parent_object,
        parent_record_id: n.parent_record_id,
        title: n.title ?? null,
        content: n.content_plaintext ?? null,
        occurred_at: n.created_at,
        values_hash: createHash("sha1").update(`${n.title}|${n.content_plaintext}`).digest("hex"),
        data: n,
      })),
    );
    counters.recordsWritten += writtenNotes.length;
    const noteEvents: NewEvent[] = [];
    for (const w of writtenNotes.filter((x) => x.inserted)) {
      const n = notes.find((x) => x.id.note_id === w.externalId)!;
      noteEvents.push({
        projectId,
        category: "domain",
        eventType: "note_logged",
        occurredAt: new Date(n.created_at),
        source: "attio",
        sourceRef: `attioact:${ws}:${w.externalId}`,
        sourceUrl: webUrlOf.get(n.parent_record_id) ?? null,
        actor: "team",
        payload: { noteId: w.externalId, title: n.title, parentObject: n.parent_object, parentRecordId: n.parent_record_id, snippet: (n.content_plaintext ?? "").slice(0, 300) },
        evidenceRefs: [{ kind: "doc", id: w.externalId, url: webUrlOf.get(n.parent_record_id), snippet: (n.content_plaintext ?? "").slice(0, 300) }],
        dedupeKey: dedupeKey("attio", ws, "note_logged", w.externalId),
      });
    }
    counters.eventsWritten += await appendEvents(tx, noteEvents);
  });

  // A record missing from an offset scan may only have been skipped (another one was deleted while
  // we paged): it is soft-deleted only if a direct read confirms it is gone (404).
  for (const [table, object, list] of [
    ["attio_companies", "companies", companies],
    ["attio_people", "people", people],
    ["attio_deals", "deals", deals],
  ] as const) {
    const seen = list.map((r) => r.id.record_id);
    const candidates = await db.$queryRawUnsafe<{ external_id: string }[]>(
      `SELECT external_id FROM "${table}" t WHERE project_id = $1::uuid AND deleted_at IS NULL AND t.external_id NOT IN (SELECT unnest($2::text[]))`,
      projectId,
      seen,
    );
    for (const c of candidates) {
      const res = await http.request("GET", `v2/objects/${object}/records/${c.external_id}`, {
        schema: z.object({ data: record }).or(z.object({ code: z.string() }).passthrough()),
        okStatuses: [404],
      });
      counters.pages++;
      if (res.status !== 404) seen.push(c.external_id);
    }
    counters.recordsDeleted += (await softDeleteMissing(db, table, projectId, seen, now)).length;
  }
  counters.recordsDeleted += (
    await softDeleteMissing(
      db,
      "attio_activities",
      projectId,
      notes.map((n) => n.id.note_id),
      now,
    )
  ).length;

  return { cursor: { scannedAt: now.toISOString() }, counters, meta: { coverage: await attioCoverage(ctx, { companies: companies.length, deals: deals.length }) } };
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
