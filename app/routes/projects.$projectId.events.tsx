import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { useEffect, useState } from "react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { describeEvent, DOMAIN_EVENT_TYPES, eventLink, PROCESS_EVENT_LABELS, PROCESS_EVENT_TYPES } from "~/utils/events.ts";
import { useFormat, type BoundFormat } from "~/utils/format-context.tsx";
import { technicalCounters } from "~/utils/jobs.ts";
import { SIGNAL_LABELS, signalValue } from "~/utils/labels.ts";
import { load, requireCaller } from "~/utils/trpc.server.ts";

const LIVE_EVERY_MS = 10_000;

/**
 * What the feed shows: client and project events by default; the worker's own activity ("process"
 * events) only when asked for, or when the chosen type is one of them.
 */
function feedCategory(category: string | null, type: string): "domain" | "process" | "all" {
  // A chosen type decides (a process type under "client and project events" would show nothing).
  if (category !== "all" && PROCESS_EVENT_TYPES.includes(type)) return "process";
  if (category !== "all" && DOMAIN_EVENT_TYPES.includes(type)) return "domain";
  return category === "process" || category === "all" ? category : "domain";
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const url = new URL(request.url);
  const type = url.searchParams.get("type") ?? "";
  const category = feedCategory(url.searchParams.get("category"), type);
  const since = url.searchParams.get("since") ?? "";
  const cursor = url.searchParams.get("cursor") ?? undefined;
  const projectId = params.projectId!;
  const [page, overview] = await Promise.all([
    load(request, () => caller.events.list({
      projectId, category: category === "all" ? undefined : category, cursor, limit: 50,
      eventType: /^[a-z_]{1,100}$/.test(type) ? type : undefined, since: /^\d{4}-\d{2}-\d{2}$/.test(since) ? new Date(`${since}T00:00:00Z`) : undefined,
    })),
    load(request, () => caller.intelligence.overview({ projectId })),
  ]);
  return { ...page, category, signals: overview.signals, loadedAt: new Date().toISOString() };
}

type Signal = ReturnType<typeof useLoaderData<typeof loader>>["signals"][number];
const STATUS_STYLE: Record<string, string> = { ok: "bg-emerald-50 text-emerald-800", warn: "bg-amber-50 text-amber-800", critical: "bg-rose-50 text-rose-800" };

/** The one detail that explains a signal's value, from what the pipeline stored with it. */
function signalWhy(s: Signal, f: BoundFormat): string {
  const d = (s.details ?? {}) as Record<string, unknown>;
  switch (s.key) {
    case "waiting_on_client_days": return d.waitingSince ? `since ${f.date(String(d.waitingSince))}, ${d.unansweredTeamMessages} unanswered request(s)${d.approvalPending ? ", approval pending" : ""}` : "the client has answered the team's last request";
    case "blockers_age": return `${d.openBlockers ?? 0} open blocker(s)`;
    case "scope_creep_rate": return `${d.scopeRequests7d ?? 0} scope request(s) in 7 days`;
    case "budget_burn_rate": return d.plan ? `cost ${f.money(Number(d.cost ?? 0))} of ${f.money(Number(d.plan))} planned` : "no plan recorded";
    case "response_time_avg": return `${d.samples ?? 0} replies to the client${typeof d.slowest === "number" ? `; the slowest took ${f.minutes(d.slowest)}` : ""}`;
    case "agreement_overdue_count": return `${s.value} open issue(s) past their due date`;
    case "stage_overdue": return Array.isArray(d.overdueStages) && d.overdueStages.length ? `${(d.overdueStages[0] as { name: string }).name} past its target date` : "no stage past its target date";
    case "sentiment_trend": return d.ewma === null || d.ewma === undefined ? "no client messages to read" : `average tone ${d.ewma} (was ${d.previous ?? "—"})`;
    case "margin_risk": return d.marginPct === null || d.marginPct === undefined ? "no revenue recorded" : `margin ${Math.round(Number(d.marginPct) * 100)}%`;
    case "activity_drop": return `${d.eventsLast7d ?? 0} events this week, ${d.eventsPrevious7d ?? 0} the week before`;
    default: return "";
  }
}

function SignalsTable({ signals }: { signals: Signal[] }) {
  const f = useFormat();
  if (signals.length === 0) return <EmptyState title="No signals yet">Signals are computed from the event log after the first connector sync.</EmptyState>;
  return (
    <div className="relative overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
      <table className="w-full min-w-[52rem] text-sm">
        <caption className="sr-only">Signals with their current value, status and thresholds</caption>
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr><th scope="col" className="sticky left-0 z-10 bg-white p-2">Signal</th><th scope="col" className="p-2">Value</th><th scope="col" className="p-2">Status</th><th scope="col" className="p-2">Warn at</th><th scope="col" className="p-2">Critical at</th><th scope="col" className="p-2">Why</th><th scope="col" className="p-2">Evidence</th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {signals.map((s) => {
            const t = s.thresholds as { warn: number; crit: number; direction: string };
            const evidence = (s.evidence ?? []) as { kind: string; id: string; url?: string; snippet?: string }[];
            return (
              <tr key={s.key} data-signal={s.key}>
                <th scope="row" className="sticky left-0 z-10 w-36 bg-white p-2 text-left font-medium sm:w-auto">{SIGNAL_LABELS[s.key]?.label ?? s.key}</th>
                <td className="p-2 tabular-nums">{signalValue(s.key, s.value)}</td>
                <td className="p-2"><span className={`rounded px-2 py-0.5 text-xs ${STATUS_STYLE[s.status] ?? ""}`}>{s.status}</span></td>
                <td className="p-2 tabular-nums text-slate-600">{t.direction === "below" ? "≤ " : "≥ "}{signalValue(s.key, t.warn)}</td>
                <td className="p-2 tabular-nums text-slate-600">{t.direction === "below" ? "≤ " : "≥ "}{signalValue(s.key, t.crit)}</td>
                <td className="p-2 text-xs text-slate-600">{signalWhy(s, f)}</td>
                <td className="p-2 text-xs">
                  {evidence.length === 0 ? <span className="text-slate-400">—</span> : evidence.slice(0, 3).map((e) => (
                    <div key={`${e.kind}:${e.id}`} className="max-w-xs truncate" title={e.snippet ?? e.id}><span className="text-slate-500">{e.kind}: </span>{e.url ? <a className="underline" href={e.url} target="_blank" rel="noreferrer">{e.snippet || e.id}</a> : (e.snippet || e.id)}</div>
                  ))}
                  {evidence.length > 3 ? <div className="text-slate-500">+{evidence.length - 3} more</div> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Re-runs the loader every few seconds while switched on (the feed and the signals stay current). */
function LiveToggle({ loadedAt }: { loadedAt: string }) {
  const [params] = useSearchParams();
  const [live, setLive] = useState(params.get("live") === "1");
  const { revalidate, state } = useRevalidator();
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => document.visibilityState === "visible" && revalidate(), LIVE_EVERY_MS);
    return () => clearInterval(t);
  }, [live, revalidate]);
  return (
    <div className="flex items-center gap-2 text-sm">
      <label className="flex items-center gap-1"><input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live (every {LIVE_EVERY_MS / 1000} s)</label>
      <span className="text-xs text-slate-500" aria-live="polite">{state === "loading" ? "refreshing…" : <>updated <Time value={loadedAt} /></>}</span>
    </div>
  );
}

/** "message_received" → "Message received"; process types by their label ("Job finished"). */
function eventTypeLabel(type: string): string {
  const words = PROCESS_EVENT_LABELS[type] ?? type.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The technical names behind a process event's line, for its title. */
function processTitle(payload: unknown): string | undefined {
  const p = (payload ?? {}) as { task?: unknown; step?: unknown; counters?: unknown };
  return [p.task ? `task ${String(p.task)}` : "", p.step ? `step ${String(p.step)}` : "", technicalCounters(p.counters)].filter(Boolean).join(" · ") || undefined;
}

export default function EventsPage() {
  const { items, nextCursor, signals, loadedAt, category } = useLoaderData<typeof loader>();
  const f = useFormat();
  const [params] = useSearchParams();
  const type = params.get("type") ?? "";
  const since = params.get("since") ?? "";
  const keep = new URLSearchParams([...params.entries()].filter(([k]) => k !== "cursor"));
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Signals & events</h1>
      <section aria-labelledby="signals-heading" className="space-y-2">
        <h2 id="signals-heading" className="text-lg font-semibold">Signals</h2>
        <p className="text-sm text-slate-600">The ten signals the scores, forecasts and recommendations are built from, with the thresholds that turn them amber and red.</p>
        <SignalsTable signals={signals} />
      </section>
      <section aria-labelledby="feed-heading" className="space-y-3">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <h2 id="feed-heading" className="text-lg font-semibold">Event log</h2>
          <LiveToggle loadedAt={loadedAt} />
        </div>
        <Form method="get" className="flex flex-wrap items-end gap-3 text-sm" aria-label="Filter events">
          <div className="flex flex-col"><label htmlFor="category">Show</label>
            <select id="category" name="category" defaultValue={category} key={category} className="mt-1 rounded-md border border-slate-300 px-2 py-1">
              <option value="domain">Client and project events</option><option value="process">System activity (background jobs)</option><option value="all">Everything</option>
            </select>
          </div>
          <div className="flex flex-col"><label htmlFor="event-type">Type</label>
            <select id="event-type" name="type" defaultValue={type} className="mt-1 rounded-md border border-slate-300 px-2 py-1">
              <option value="">Any type</option>
              <optgroup label="Client and project">{DOMAIN_EVENT_TYPES.map((t) => <option key={t} value={t}>{eventTypeLabel(t)}</option>)}</optgroup>
              <optgroup label="System activity">{PROCESS_EVENT_TYPES.map((t) => <option key={t} value={t}>{eventTypeLabel(t)}</option>)}</optgroup>
            </select>
          </div>
          <div className="flex flex-col"><label htmlFor="since">Since</label><input id="since" type="date" name="since" defaultValue={since} className="mt-1 rounded-md border border-slate-300 px-2 py-1" /></div>
          {params.get("live") ? <input type="hidden" name="live" value="1" /> : null}
          <button type="submit" className="rounded-md px-3 py-1 ring-1 ring-slate-300">Filter</button>
          {params.get("category") || type || since ? <Link to="?" className="underline">Clear</Link> : null}
        </Form>
        {category === "domain" ? <p className="text-xs text-slate-500">Showing client and project events. What the background jobs did is under <Link className="underline" to={`?${new URLSearchParams([...[...keep.entries()].filter(([k]) => k !== "category" && k !== "type"), ["category", "process"]])}`}>System activity</Link>.</p> : null}
        {items.length === 0 ? <EmptyState title={category === "domain" ? "No client or project events" : "No events"}>Nothing has been recorded for this filter yet.</EmptyState> : (
          <ol className="divide-y divide-slate-100 rounded-lg bg-white text-sm ring-1 ring-slate-200">
            {items.map((e) => {
              const link = eventLink(e);
              return (
                <li key={e.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 p-2" data-event-type={e.eventType}>
                  <span className={`rounded px-2 py-0.5 text-xs ${e.category === "process" ? "bg-slate-100" : "bg-indigo-50 text-indigo-800"}`}>{e.category === "process" ? "system" : "project"}</span>
                  <span className="font-medium" title={e.eventType}>{eventTypeLabel(e.eventType)}</span>
                  <span className="text-slate-600"><Time value={e.occurredAt} /> · {e.source}</span>
                  <span className="min-w-0 flex-1 basis-full text-slate-800 sm:basis-auto" title={e.category === "process" ? processTitle(e.payload) : undefined}>{describeEvent(e, f)}</span>
                  {link ? <a className="text-xs underline" href={link} target="_blank" rel="noreferrer">source</a> : null}
                  <details className="basis-full text-xs text-slate-500"><summary className="cursor-pointer">payload</summary><pre className="mt-1 overflow-x-auto whitespace-pre-wrap break-all font-mono">{JSON.stringify(e.payload, null, 2)}</pre></details>
                </li>
              );
            })}
          </ol>
        )}
        {nextCursor ? <Link className="text-sm underline" to={`?${new URLSearchParams([...keep.entries(), ["cursor", nextCursor]])}`}>Older events</Link> : null}
      </section>
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
