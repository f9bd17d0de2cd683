import type { Db } from "../../db.ts";
import { dedupeRefs, type EvidenceRef } from "../events/event-log.ts";
import type { Dated, ProjectFacts } from "./signals.ts";

// Loads what the signals need for one project at `now`, from the event log (conversation facts) and
// the raw mirrors (current Linear and Attio state). Only data at or before `now` is read, so a
// pipeline run for a past date gives the same answer whenever it runs.

const DAY = 86_400_000;

type EventRow = { id: bigint; event_type: string; occurred_at: Date; actor: string; payload: Record<string, unknown>; evidence_refs: EvidenceRef[]; source_ref: string | null };

export type LoadedFacts = ProjectFacts & { clientName: string; needs7d: number; needEvidence: EvidenceRef[]; revenue: number; revenueEvidence: EvidenceRef[]; lastEventId: bigint };

export async function loadFacts(db: Db, projectId: string, now: Date, lookbackDays: number): Promise<LoadedFacts> {
  const since = new Date(now.getTime() - Math.max(lookbackDays, 14) * DAY);
  const events = await db.$queryRaw<EventRow[]>`
    SELECT id, event_type, occurred_at, actor, payload, evidence_refs, source_ref FROM kag_event_log
    WHERE project_id = ${projectId}::uuid AND category = 'domain' AND occurred_at > ${since} AND occurred_at <= ${now}
    ORDER BY occurred_at, id`;
  const ref = (e: EventRow): EvidenceRef => e.evidence_refs[0] ?? { kind: "doc", id: e.source_ref ?? String(e.id) };
  const dated = (type: string): Dated[] => events.filter((e) => e.event_type === type).map((e) => ({ at: e.occurred_at, ref: ref(e) }));

  const messages = events
    .filter((e) => (e.event_type === "message_received" || e.event_type === "message_sent") && !e.payload.private)
    .map((e) => ({ at: e.occurred_at, ref: ref(e), actor: e.event_type === "message_received" ? ("client" as const) : ("team" as const), text: String(e.payload.snippet ?? "") }));

  const activityByDay = Array.from({ length: 14 }, () => 0);
  for (const e of events) {
    const d = Math.floor((now.getTime() - e.occurred_at.getTime()) / DAY);
    if (d >= 0 && d < 14) activityByDay[d]!++;
  }

  // Blocked since: the latest issue_blocked event of each issue (from the whole log), else its last update.
  const blocked = await db.$queryRaw<{ external_id: string; title: string; url: string | null; identifier: string; since: Date }[]>`
    SELECT i.external_id, i.title, i.url, i.identifier,
           coalesce((SELECT max(e.occurred_at) FROM kag_event_log e WHERE e.project_id = i.project_id AND e.event_type = 'issue_blocked'
                      AND e.source_ref = 'linissue:' || i.workspace_id || ':' || i.external_id AND e.occurred_at <= ${now}), i.source_updated_at) AS since
    FROM linear_issues i
    WHERE i.project_id = ${projectId}::uuid AND i.deleted_at IS NULL AND i.blocked AND i.completed_at IS NULL AND coalesce(i.state_type, '') NOT IN ('completed', 'canceled')`;
  const issueRef = (r: { external_id: string; title: string; url: string | null; identifier: string }): EvidenceRef => ({ kind: "issue", id: r.external_id, url: r.url ?? undefined, snippet: `${r.identifier} ${r.title}`.slice(0, 300) });

  const overdue = await db.$queryRaw<{ external_id: string; title: string; url: string | null; identifier: string; due_date: Date }[]>`
    SELECT external_id, title, url, identifier, due_date FROM linear_issues
    WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND completed_at IS NULL AND coalesce(state_type, '') NOT IN ('completed', 'canceled')
      AND due_date IS NOT NULL AND due_date < ${now}::date`;

  const stages = await db.linearProject.findMany({ where: { projectId, deletedAt: null } });

  // Finance: the latest cost-to-date entry of each deal (plan = the deal's value), revenue = won deals.
  const finance = await db.$queryRaw<{ deal_id: string; cost: number | null; planned: number | null; evidence_refs: EvidenceRef[] }[]>`
    SELECT DISTINCT ON (payload->>'dealId') payload->>'dealId' AS deal_id, (payload->>'amount')::float8 AS cost, (payload->>'planned')::float8 AS planned, evidence_refs
    FROM kag_event_log WHERE project_id = ${projectId}::uuid AND event_type = 'finance_entry_recorded' AND occurred_at <= ${now}
    ORDER BY payload->>'dealId', occurred_at DESC, id DESC`;
  const deals = await db.attioDeal.findMany({ where: { projectId, deletedAt: null }, select: { externalId: true, name: true, stage: true, amount: true, data: true } });
  const won = deals.filter((d) => /won/i.test(d.stage ?? ""));
  const dealRef = (d: (typeof deals)[number]): EvidenceRef => ({ kind: "deal", id: d.externalId, url: (d.data as { web_url?: string }).web_url ?? undefined, snippet: `${d.name ?? "Deal"} · ${d.stage ?? "no stage"}` });
  const sum = (xs: (number | null)[]) => (xs.some((x) => x !== null) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : null);

  const company = await db.attioCompany.findFirst({ where: { projectId, deletedAt: null }, orderBy: { syncedAt: "desc" }, select: { name: true } });
  const project = await db.project.findUniqueOrThrow({ where: { id: projectId }, select: { name: true } });
  const needs = dated("need_detected");
  const week = now.getTime() - 7 * DAY;

  return {
    now,
    messages,
    approvalRequests: dated("approval_requested"),
    scopeRequests: dated("scope_change_requested"),
    needs,
    openBlockers: blocked.map((b) => ({ at: b.since, ref: issueRef(b), issueId: b.external_id, title: b.title })),
    stages: stages.map((s) => ({
      id: s.externalId, name: s.name, dueAt: s.targetDate, active: !["completed", "canceled"].includes(s.state ?? ""),
      ref: { kind: "issue" as const, id: s.externalId, url: (s.data as { url?: string }).url ?? undefined, snippet: `Stage ${s.name}${s.targetDate ? ` due ${s.targetDate.toISOString().slice(0, 10)}` : ""}` },
    })),
    overdueCommitments: overdue.map((o) => ({ at: o.due_date, ref: issueRef(o), issueId: o.external_id, title: o.title })),
    finance: {
      plan: sum(finance.map((f) => f.planned)),
      cost: sum(finance.map((f) => f.cost)),
      revenue: won.length ? won.reduce((a, d) => a + Number(d.amount ?? 0), 0) : null,
      // The cost entries, the won deals, and the notes written on those deals (a budget review, say).
      refs: dedupeRefs([
        ...finance.flatMap((f) => f.evidence_refs), ...won.map(dealRef),
        ...events.filter((e) => e.event_type === "note_logged" && finance.some((f) => f.deal_id === e.payload.parentRecordId)).map(ref),
      ]).slice(0, 20),
    },
    activityByDay,
    clientName: company?.name ?? project.name,
    needs7d: needs.filter((n) => n.at.getTime() >= week).length,
    needEvidence: needs.slice(-10).map((n) => n.ref),
    revenue: deals.filter((d) => !/lost|churn/i.test(d.stage ?? "")).reduce((a, d) => a + Number(d.amount ?? 0), 0),
    revenueEvidence: deals.slice(0, 5).map(dealRef),
    lastEventId: events.length ? events[events.length - 1]!.id : 0n,
  };
}
