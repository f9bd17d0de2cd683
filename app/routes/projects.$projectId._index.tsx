import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { ForecastChart } from "~/components/ForecastChart.tsx";
import { TrendChart } from "~/components/TrendChart.tsx";
import { describeEvent } from "~/utils/events.ts";
import { CATEGORY_LABELS, componentLabel, levelLabel, levelStyle, pct, RISK_LABELS, SCORE_LABELS } from "~/utils/labels.ts";
import { priorityLabel } from "~/utils/recommendations.ts";
import { useFormat } from "~/utils/format-context.tsx";
import { act, load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const [scheduled, events, overview, recs, trend, upsell, analytics, connectors] = await Promise.all([
    load(request, () => caller.jobs.scheduled({ projectId })),
    load(request, () => caller.events.list({ projectId, category: "domain", limit: 6 })),
    load(request, () => caller.intelligence.overview({ projectId })),
    load(request, () => caller.intelligence.recommendations({ projectId, limit: 3 })),
    load(request, () => caller.intelligence.trend({ projectId, days: 30 })),
    load(request, () => caller.growth.upsell({ projectId, limit: 5 })),
    load(request, () => caller.growth.analytics({ projectId, days: 1 })),
    load(request, () => caller.connectors.state({ projectId })),
  ]);
  return { scheduled, events: events.items, overview, topRecs: recs.items, trend, upsell, analytics: analytics.latest, connectors };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const form = await request.formData();
  if (form.get("intent") === "upsell") {
    const status = String(form.get("status"));
    return act(request, () => caller.growth.decideUpsell({ projectId: params.projectId!, id: String(form.get("id") ?? ""), status: status as "accepted" | "dismissed" | "proposed" }));
  }
  throw new Response("Unknown action", { status: 400 });
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Score = Data["overview"]["scores"][number];
/** Scores show as whole numbers everywhere (card, chart, portfolio), so they read the same. */
const whole = (n: number | null) => (n === null ? null : Math.round(n));
const round1 = (n: number) => Math.round(n * 10) / 10;
const signed = (n: number) => `${n > 0 ? "+" : ""}${round1(n)}`;
const SCORE_EXPLAIN: Record<string, string> = {
  health: "100 minus the weighted concerns below; each component is 0 when fine and 100 at its critical level.",
  risk: "The weighted average of the components below; each is 0 when fine and 100 at its critical level.",
  client_value: "Revenue, margin, engagement, tone and stability, weighted.",
  upsell: "Client value, expressed needs and commercial stability, weighted.",
};

export default function ProjectDashboard() {
  const project = useProject();
  const { scheduled, events, overview, topRecs, trend, upsell, analytics, connectors } = useLoaderData<typeof loader>();
  const f = useFormat();
  const failingJobs = scheduled.filter((j) => j.lastStatus === "failed");
  const failingConnectors = connectors.state.filter((c) => c.status === "failed");
  const score = (t: string) => overview.scores.find((s) => s.type === t);
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-bold">{project.name}</h1>
          <p className="text-sm text-slate-600">Your role: {project.role}{overview.computedAt ? <> · scores as of <Time value={overview.computedAt} /></> : null}</p>
        </div>
        <p className="text-sm">
          {failingJobs.length || failingConnectors.length
            ? <Link to="jobs" className="rounded bg-rose-50 px-2 py-1 text-rose-800 underline">{failingConnectors.length} connector(s) and {failingJobs.length} job(s) failing</Link>
            : <Link to="jobs" className="text-slate-600 underline">All connectors and {scheduled.length} jobs healthy</Link>}
        </p>
      </div>

      <section aria-labelledby="scores-heading" className="space-y-2">
        <h2 id="scores-heading" className="sr-only">Scores</h2>
        {overview.scores.length === 0 ? (
          <EmptyState title="No scores yet">Scores appear after the first pipeline run on synced conversations, issues and deals.</EmptyState>
        ) : (
          <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
            {["health", "risk", "client_value", "upsell"].map((t) => { const s = score(t); return s ? <ScoreCard key={t} s={s} /> : null; })}
          </div>
        )}
      </section>

      <section aria-labelledby="trend-heading">
        <h2 id="trend-heading" className="text-lg font-semibold">Health and risk, last 30 days</h2>
        {trend.length < 2 ? (
          <div className="mt-2"><EmptyState title="Not enough history yet">The trend fills in with one snapshot per day (the daily pipeline; a new project gets 30 days back-filled).</EmptyState></div>
        ) : (
          <div className="mt-2 rounded-lg bg-white p-2 ring-1 ring-slate-200"><TrendChart points={trend.map((t) => ({ date: t.date, health: whole(t.health), risk: whole(t.risk) }))} /></div>
        )}
      </section>

      <ForecastsSection forecasts={overview.forecasts} />

      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="top-recs-heading">
          <h2 id="top-recs-heading" className="text-lg font-semibold">Top recommendations</h2>
          {topRecs.length === 0 ? (
            <div className="mt-2"><EmptyState title="Nothing needs your attention">No recommendation fires for this project right now.</EmptyState></div>
          ) : (
            <ul className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
              {topRecs.map((r) => (
                <li key={r.id} className="p-3 text-sm">
                  <span className="font-medium">{priorityLabel(r.priority)}</span> · <Link className="underline" to={`recommendations#rec-${r.id}`}>{r.title}</Link>
                  <div className="text-xs text-slate-500">{CATEGORY_LABELS[r.category] ?? r.category} · {r.whyNow}</div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <UpsellSection rows={upsell} />
      </div>

      <AnalyticsSection analytics={analytics} />

      <section aria-labelledby="recent-heading">
        <div className="flex items-baseline justify-between"><h2 id="recent-heading" className="text-lg font-semibold">Latest activity</h2><Link className="text-sm underline" to="events?category=domain">All events</Link></div>
        {events.length === 0 ? (
          <div className="mt-2"><EmptyState title="No activity yet">Messages, issues and deals show up here after the first connector sync.</EmptyState></div>
        ) : (
          <ul className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
            {events.map((e) => <li key={e.id} className="p-3 text-sm"><span className="text-slate-500"><Time value={e.occurredAt} /> · {e.source}</span> <span className="ml-1">{describeEvent(e, f)}</span></li>)}
          </ul>
        )}
      </section>
    </div>
  );
}

/** A score with what moved it since yesterday, and (expandable) every component with its weight and evidence. */
function ScoreCard({ s }: { s: Score }) {
  const movers = s.sinceYesterday?.movers ?? [];
  const changeOf = new Map(movers.map((m) => [m.key, m.delta]));
  const comps = [...s.components].sort((a, b) => b.contribution - a.contribution);
  const label = SCORE_LABELS[s.type] ?? s.type;
  return (
    <div className="min-w-0 rounded-lg bg-white p-4 ring-1 ring-slate-200" data-score={s.type}>
      <h3 className="text-xs font-semibold uppercase text-slate-500">{label}</h3>
      <p><span className={`text-3xl font-bold ${levelStyle(s.type, s.level)}`}>{Math.round(s.score)}</span> <span className={`text-xs ${levelStyle(s.type, s.level)}`} data-level={s.level}>{levelLabel(s.type, s.level)}</span></p>
      <p className="text-xs text-slate-600">
        {s.sinceYesterday
          ? <><span data-since-yesterday>{signed(Math.round(s.score) - Math.round(s.sinceYesterday.previous))} since yesterday ({Math.round(s.sinceYesterday.previous)})</span>{movers.length ? `: ${movers.map((m) => `${componentLabel(m.key)} ${signed(s.type === "health" ? -m.delta : m.delta)}`).join(", ")}` : " (no component moved)"}</>
          : "no snapshot from yesterday to compare with"}
      </p>
      <details className="mt-2 text-xs">
        <summary className="cursor-pointer text-indigo-700">Why {Math.round(s.score)}?</summary>
        <p className="mt-2 text-slate-600">{SCORE_EXPLAIN[s.type] ?? ""}</p>
        <div className="mt-1 overflow-x-auto">
        <table className="w-full">
          <caption className="sr-only">Components of the {label} score</caption>
          <thead className="text-left text-slate-500"><tr><th scope="col">Component</th><th scope="col" title="0 = fine, 100 = at its critical level">Level</th><th scope="col">Weight</th><th scope="col" title={s.type === "health" ? "points this component takes off health" : "points this component adds to the score"}>{s.type === "health" ? "Takes off" : "Adds"}</th><th scope="col">Since yesterday</th><th scope="col">Records</th></tr></thead>
          <tbody>
            {comps.map((c) => {
              const ev = c.evidence as { kind: string; id: string; url?: string; snippet?: string }[];
              return (
                <tr key={c.key} className="border-t border-slate-100 align-top" data-component={c.key}>
                  <th scope="row" className="py-0.5 pr-2 text-left font-normal">{componentLabel(c.key)}</th>
                  <td className="tabular-nums">{Math.round(c.value)}</td><td className="tabular-nums">{Math.round(c.weight * 100)}%</td><td className="tabular-nums">{round1(c.contribution)}</td>
                  <td className="tabular-nums">{changeOf.has(c.key) ? signed(s.type === "health" ? -changeOf.get(c.key)! : changeOf.get(c.key)!) : ""}</td>
                  <td className="min-w-[8rem]">
                    {ev.length === 0 ? <span className="text-slate-400">—</span> : (
                      <ul>
                        {ev.slice(0, 3).map((e) => <li key={`${e.kind}:${e.id}`} className="max-w-[16rem] truncate">{e.url ? <a className="underline" href={e.url} target="_blank" rel="noreferrer" title={e.snippet ?? e.id}>{e.snippet || e.kind}</a> : (e.snippet || e.id)}</li>)}
                        {ev.length > 3 ? <li className="text-slate-500">+{ev.length - 3} more</li> : null}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
      </details>
    </div>
  );
}

function ForecastsSection({ forecasts }: { forecasts: Data["overview"]["forecasts"] }) {
  return (
    <section aria-labelledby="forecast-heading">
      <h2 id="forecast-heading" className="text-lg font-semibold">Risk forecast</h2>
      {forecasts.length === 0 ? (
        <div className="mt-2"><EmptyState title="No forecast yet">Forecasts are computed by the recommendations refresh and the daily pipeline.</EmptyState></div>
      ) : (
        <div className="mt-2 grid gap-4 xl:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
          <div className="min-w-0 rounded-lg bg-white p-2 ring-1 ring-slate-200"><ForecastChart forecasts={forecasts} /></div>
          <div className="relative min-w-0 self-start overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
          <table className="w-full min-w-[36rem] text-sm">
            <caption className="sr-only">Probability of each risk within 7, 14 and 30 days, with confidence and drivers</caption>
            <thead className="text-left text-xs uppercase text-slate-500"><tr><th scope="col" className="sticky left-0 z-10 bg-white p-2">Risk</th><th scope="col" className="p-2">7 d</th><th scope="col" className="p-2">14 d</th><th scope="col" className="p-2">30 d</th><th scope="col" className="p-2">Expected in</th><th scope="col" className="p-2">Confidence</th><th scope="col" className="p-2" title="what moved the 7-day probability, in percentage points">Drivers (7 d)</th></tr></thead>
            <tbody className="divide-y divide-slate-100">
              {forecasts.map((f) => (
                <tr key={f.riskType} data-risk={f.riskType}>
                  <th scope="row" className="sticky left-0 z-10 bg-white p-2 text-left font-medium">{RISK_LABELS[f.riskType] ?? f.riskType}</th>
                  <td className="p-2 tabular-nums">{pct(f.p7)}</td><td className="p-2 tabular-nums">{pct(f.p14)}</td><td className="p-2 tabular-nums">{pct(f.p30)}</td>
                  <td className="p-2 tabular-nums">{f.expectedTimeToRiskDays >= 60 ? "—" : `${Math.round(f.expectedTimeToRiskDays)} d`}</td>
                  <td className="p-2 tabular-nums">{pct(f.confidence)}</td>
                  <td className="p-2 text-xs text-slate-600">
                    {(f.topDrivers as { key: string; contribution: number }[]).filter((d) => Math.round(d.contribution * 100) >= 1).map((d) => `${componentLabel(d.key)} +${Math.round(d.contribution * 100)} pts`).join(", ") || "—"}
                    {f.similarCases.length ? <div className="text-slate-500">{f.similarCases.length} similar case{f.similarCases.length === 1 ? "" : "s"}{f.similarCases.some((c) => c.visible) ? `: ${f.similarCases.filter((c) => c.visible).map((c) => c.projectName).join(", ")}` : ""}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </div>
      )}
    </section>
  );
}

function UpsellSection({ rows }: { rows: Data["upsell"] }) {
  const project = useProject();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <section aria-labelledby="upsell-heading">
      <h2 id="upsell-heading" className="text-lg font-semibold">Upsell radar</h2>
      {result && !result.ok ? <p role="alert" className="mt-2 rounded-md bg-red-50 p-2 text-sm text-red-800">{result.error}</p> : null}
      {rows.length === 0 ? (
        <div className="mt-2"><EmptyState title="No openings">Client requests for more work and deals in qualification, proposal or negotiation appear here.</EmptyState></div>
      ) : (
        <ul className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
          {rows.map((u) => {
            const ev = (u.evidenceRefs as { kind: string; id: string; url?: string }[])[0];
            return (
              <li key={u.id} className="flex flex-wrap items-start gap-2 p-3 text-sm" data-upsell={u.sourceKind}>
                <div className="min-w-0 flex-1">
                  <div><span className="font-medium">{Math.round(u.score * 100)}</span> · {u.title}</div>
                  <div className="text-xs text-slate-500">{u.reason}{ev?.url ? <> · <a className="underline" href={ev.url} target="_blank" rel="noreferrer">source</a></> : null} · {u.status}</div>
                </div>
                {project.canMutate && u.status === "proposed" ? (
                  <Form method="post" className="flex gap-1">
                    <input type="hidden" name="intent" value="upsell" /><input type="hidden" name="id" value={u.id} />
                    <button name="status" value="accepted" disabled={busy} className="rounded px-2 py-0.5 text-xs ring-1 ring-slate-300">Pursue</button>
                    <button name="status" value="dismissed" disabled={busy} className="rounded px-2 py-0.5 text-xs ring-1 ring-slate-300">Dismiss</button>
                  </Form>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

type Metrics = { comms: Record<string, number | null>; delivery: Record<string, number | null>; pipeline: Record<string, number | null> };
const num = (n: number | null | undefined, unit = "") => (n === null || n === undefined ? "—" : `${Math.round(n * 10) / 10}${unit}`);

function AnalyticsSection({ analytics }: { analytics: Data["analytics"] }) {
  const f = useFormat();
  const money = (n: number | null | undefined) => (n === null || n === undefined ? "—" : f.money(n));
  const minutes = (n: number | null | undefined) => (n === null || n === undefined ? "—" : f.minutes(n));
  if (!analytics) {
    return (
      <section aria-labelledby="analytics-heading">
        <h2 id="analytics-heading" className="text-lg font-semibold">Last 30 days</h2>
        <div className="mt-2"><EmptyState title="No figures yet">They are computed every 30 minutes and after each sync (Operations → “30-day figures” → run now).</EmptyState></div>
      </section>
    );
  }
  const m = analytics.metrics as unknown as Metrics;
  const groups: { title: string; items: [string, string][] }[] = [
    { title: "Communication", items: [["Client messages", num(m.comms.inbound)], ["Team messages", num(m.comms.outbound)], ["First reply (median)", minutes(m.comms.firstResponseMinutesMedian)], ["First reply (slowest 10%)", minutes(m.comms.firstResponseMinutesP90)], ["Unanswered > 24 h", num(m.comms.unansweredOver24h)]] },
    { title: "Delivery", items: [["Issues opened", num(m.delivery.opened)], ["Issues completed", num(m.delivery.completed)], ["Lead time (median)", num(m.delivery.leadTimeDaysMedian, " d")], ["Open / blocked", `${num(m.delivery.open)} / ${num(m.delivery.blocked)}`], ["Overdue", num(m.delivery.overdue)]] },
    { title: "Pipeline", items: [["Open deals", num(m.pipeline.openDeals)], ["Open value", money(m.pipeline.openAmount)], ["Weighted", money(m.pipeline.weightedAmount)], ["Won 30 / 60 / 90 d", `${money(m.pipeline.won30d)} / ${money(m.pipeline.won60d)} / ${money(m.pipeline.won90d)}`]] },
  ];
  return (
    <section aria-labelledby="analytics-heading">
      <h2 id="analytics-heading" className="text-lg font-semibold">Last 30 days <span className="text-sm font-normal text-slate-500">(as of <Time value={analytics.computed_at} />)</span></h2>
      <div className="mt-2 grid gap-4 md:grid-cols-3">
        {groups.map((g) => (
          <dl key={g.title} className="rounded-lg bg-white p-3 text-sm ring-1 ring-slate-200">
            <dt className="mb-1 text-xs font-semibold uppercase text-slate-500">{g.title}</dt>
            {g.items.map(([k, v]) => <dd key={k} className="flex justify-between gap-2"><span className="text-slate-600">{k}</span><span className="tabular-nums font-medium">{v}</span></dd>)}
          </dl>
        ))}
      </div>
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
