import type { Db } from "../../db.ts";
import { sql } from "../../sql.ts";
import { isoDay } from "../../time.ts";
import { dedupeRefs, webUrl, type EvidenceRef } from "../events/event-log.ts";
import { effectiveUnderstandings } from "../understanding/service.ts";
import type { Dated, ProjectFacts } from "./signals.ts";

// Loads what the signals need for one project at `now`, from the event log (conversation facts) and
// the raw mirrors (current Linear and Attio state). Only data at or before `now` is read, so a
// pipeline run for a past date gives the same answer whenever it runs.

const DAY = 86_400_000;

type IssueRow = { external_id: string; title: string; url: string | null; identifier: string };
type EventRow = { id: string; event_type: string; occurred_at: Date; actor: string; payload: Record<string, unknown>; evidence_refs: EvidenceRef[]; source_ref: string | null };

export type LoadedFacts = ProjectFacts & { clientName: string; needs7d: number; needEvidence: EvidenceRef[]; revenue: number; revenueEvidence: EvidenceRef[]; lastEventId: bigint };

export async function loadFacts(db: Db, projectId: string, now: Date, lookbackDays: number): Promise<LoadedFacts> {
  const since = new Date(now.getTime() - Math.max(lookbackDays, 14) * DAY);
  const today = isoDay(now);
  const q = sql(db);
  // Independent reads, in parallel on the pool.
  const [events, blocked, overdue, stages, finance, deals, [names], resolved] = await Promise.all([
    q<EventRow>`
      SELECT id::text, event_type, occurred_at, actor, payload, evidence_refs, source_ref FROM kag_event_log
      WHERE project_id = ${projectId}::uuid AND category = 'domain' AND occurred_at > ${since} AND occurred_at <= ${now}
      ORDER BY occurred_at, id`,
    // Blocked since: the latest issue_blocked event of each issue (from the whole log), else its last update.
    q<IssueRow & { since: Date }>`
      SELECT i.external_id, i.title, i.url, i.identifier,
             coalesce((SELECT max(e.occurred_at) FROM kag_event_log e WHERE e.project_id = i.project_id AND e.event_type = 'issue_blocked'
                        AND e.source_ref = 'linissue:' || i.workspace_id || ':' || i.external_id AND e.occurred_at <= ${now}), i.source_updated_at) AS since
      FROM linear_issues i
      WHERE i.project_id = ${projectId}::uuid AND i.deleted_at IS NULL AND i.blocked AND i.completed_at IS NULL AND coalesce(i.state_type, '') NOT IN ('completed', 'canceled')`,
    q<IssueRow & { due_date: string }>`
      SELECT external_id, title, url, identifier, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM linear_issues
      WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND completed_at IS NULL AND coalesce(state_type, '') NOT IN ('completed', 'canceled')
        AND due_date IS NOT NULL AND due_date < ${today}::date`,
    q<{ external_id: string; name: string; state: string | null; target_date: string | null; url: string | null }>`
      SELECT external_id, name, state, to_char(target_date, 'YYYY-MM-DD') AS target_date, data->>'url' AS url FROM linear_projects
      WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL ORDER BY external_id`,
    // Finance: the latest cost-to-date entry of each deal (plan = the deal's value), revenue = won deals.
    q<{ deal_id: string; cost: number | null; planned: number | null; evidence_refs: EvidenceRef[] }>`
      SELECT DISTINCT ON (payload->>'dealId') payload->>'dealId' AS deal_id, (payload->>'amount')::float8 AS cost, (payload->>'planned')::float8 AS planned, evidence_refs
      FROM kag_event_log WHERE project_id = ${projectId}::uuid AND event_type = 'finance_entry_recorded' AND occurred_at <= ${now}
      ORDER BY payload->>'dealId', occurred_at DESC, id DESC`,
    q<{ external_id: string; name: string | null; stage: string | null; amount: number | null; web_url: string | null }>`
      SELECT external_id, name, stage, amount::float8 AS amount, data->>'web_url' AS web_url FROM attio_deals
      WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL ORDER BY external_id`,
    q<{ project: string; company: string | null }>`
      SELECT p.name AS project, (SELECT name FROM attio_companies WHERE project_id = p.id AND deleted_at IS NULL ORDER BY synced_at DESC LIMIT 1) AS company
      FROM projects p WHERE p.id = ${projectId}::uuid`,
    q<{ id: string }>`SELECT external_id AS id FROM cw_conversations WHERE project_id = ${projectId}::uuid AND status = 'resolved' AND deleted_at IS NULL`,
  ]);
  const closed = new Set(resolved.map((r) => r.id));
  const ref = (e: EventRow): EvidenceRef => e.evidence_refs[0] ?? { kind: "doc", id: e.source_ref ?? e.id };

  const messageEvents = events.filter((e) => (e.event_type === "message_received" || e.event_type === "message_sent") && !e.payload.private);
  // What each message says, as message understanding reads it (a person's correction first).
  const understood = await effectiveUnderstandings(db, projectId, messageEvents.map((e) => String(e.payload.messageId ?? "")).filter(Boolean));
  const messages = messageEvents.map((e) => {
    const u = understood.get(String(e.payload.messageId ?? ""));
    const has = (label: string) => u?.labels.find((l) => l.label === label);
    return {
      at: e.occurred_at, ref: ref(e), actor: e.event_type === "message_received" ? ("client" as const) : ("team" as const), text: String(e.payload.snippet ?? ""),
      conversationId: String(e.payload.conversationId ?? ""), closed: closed.has(String(e.payload.conversationId ?? "")),
      expectsReply: Boolean(has("expects_reply")), tone: u?.tone ?? 0, labels: u?.labels ?? [],
    };
  });
  /** Messages carrying a label, citing the span that carries it (and which engine, or person, decided). */
  const labelled = (label: string, actor: "client" | "team"): Dated[] => messages.filter((m) => m.actor === actor).flatMap((m) => {
    const l = m.labels.find((x) => x.label === label);
    return l ? [{ at: m.at, ref: { ...m.ref, snippet: l.span.slice(0, 300) || m.ref.snippet } }] : [];
  });

  const activityByDay = Array.from({ length: 14 }, () => 0);
  for (const e of events) {
    const d = Math.floor((now.getTime() - e.occurred_at.getTime()) / DAY);
    if (d >= 0 && d < 14) activityByDay[d]!++;
  }
  const issueRef = (r: IssueRow): EvidenceRef => ({ kind: "issue", id: r.external_id, url: webUrl(r.url), snippet: `${r.identifier} ${r.title}`.slice(0, 300) });
  const won = deals.filter((d) => /won/i.test(d.stage ?? ""));
  const dealRef = (d: (typeof deals)[number]): EvidenceRef => ({ kind: "deal", id: d.external_id, url: webUrl(d.web_url), snippet: `${d.name ?? "Deal"} · ${d.stage ?? "no stage"}` });
  const sum = (xs: (number | null)[]) => (xs.some((x) => x !== null) ? xs.reduce<number>((a, x) => a + (x ?? 0), 0) : null);
  const needs = labelled("new_need", "client");
  const week = now.getTime() - 7 * DAY;

  return {
    now,
    messages,
    approvalRequests: labelled("approval_request", "team"),
    scopeRequests: labelled("scope_change", "client"),
    needs,
    openBlockers: blocked.map((b) => ({ at: b.since, ref: issueRef(b), issueId: b.external_id, title: b.title })),
    stages: stages.map((s) => ({
      id: s.external_id, name: s.name, dueAt: s.target_date ? new Date(`${s.target_date}T00:00:00Z`) : null, active: !["completed", "canceled"].includes(s.state ?? ""),
      ref: { kind: "issue" as const, id: s.external_id, url: webUrl(s.url), snippet: `Stage ${s.name}${s.target_date ? ` due ${s.target_date}` : ""}` },
    })),
    overdueCommitments: overdue.map((o) => ({ at: new Date(`${o.due_date}T00:00:00Z`), ref: issueRef(o), issueId: o.external_id, title: o.title })),
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
    clientName: names?.company ?? names?.project ?? "",
    needs7d: needs.filter((n) => n.at.getTime() >= week).length,
    needEvidence: needs.slice(-10).map((n) => n.ref),
    revenue: deals.filter((d) => !/lost|churn/i.test(d.stage ?? "")).reduce((a, d) => a + Number(d.amount ?? 0), 0),
    revenueEvidence: deals.slice(0, 5).map(dealRef),
    lastEventId: events.length ? BigInt(events[events.length - 1]!.id) : 0n,
  };
}
