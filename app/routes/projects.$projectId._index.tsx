import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { TrendChart } from "~/components/TrendChart.tsx";
import { load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const [members, scheduled, events, overview, recs] = await Promise.all([
    load(request, () => caller.projects.members({ projectId })),
    load(request, () => caller.jobs.scheduled({ projectId })),
    load(request, () => caller.events.list({ projectId, category: "domain", limit: 5 })),
    load(request, () => caller.intelligence.overview({ projectId })),
    load(request, () => caller.intelligence.recommendations({ projectId, limit: 3 })),
  ]);
  const trend = await load(request, () => caller.intelligence.trend({ projectId, days: 30 }));
  return { members, scheduled, events: events.items, overview, topRecs: recs.items, trend };
}

export default function ProjectDashboard() {
  const project = useProject();
  const { members, scheduled, events, overview, topRecs, trend } = useLoaderData<typeof loader>();
  const failing = scheduled.filter((j) => j.lastStatus === "failed");
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">{project.name}</h1>
        <p className="text-sm text-slate-600">Your role: {project.role}</p>
      </div>
      <section aria-labelledby="health-heading" className="grid gap-4 md:grid-cols-3">
        <h2 id="health-heading" className="sr-only">Project health</h2>
        <ScoresCard scores={overview.scores} />
        <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
          <h3 className="text-sm font-semibold text-slate-700">Background jobs</h3>
          <p className="mt-2 text-3xl font-bold">{scheduled.length}</p>
          <p className="text-sm text-slate-600">{failing.length ? `${failing.length} failing` : "none failing"} · <Link className="underline" to="jobs">Operations</Link></p>
        </div>
        <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
          <h3 className="text-sm font-semibold text-slate-700">Team</h3>
          <ul className="mt-2 space-y-1 text-sm">{members.map((m) => <li key={m.userId}>{m.name} <span className="text-slate-500">· {m.role}</span></li>)}</ul>
        </div>
      </section>
      <section aria-labelledby="trend-heading">
        <h2 id="trend-heading" className="text-lg font-semibold">Health and risk, last 30 days</h2>
        {trend.length < 2 ? (
          <div className="mt-2"><EmptyState title="Not enough history yet">The trend fills in with one snapshot per day (the daily pipeline; a new project gets 30 days back-filled).</EmptyState></div>
        ) : (
          <div className="mt-2 rounded-lg bg-white p-2 ring-1 ring-slate-200"><TrendChart points={trend.map((t) => ({ date: t.date, health: t.health, risk: t.risk }))} /></div>
        )}
      </section>
      <ForecastsSection forecasts={overview.forecasts} />
      <section aria-labelledby="top-recs-heading">
        <h2 id="top-recs-heading" className="text-lg font-semibold">Top recommendations</h2>
        {topRecs.length === 0 ? (
          <div className="mt-2"><EmptyState title="Nothing needs your attention">No recommendation fires for this project right now.</EmptyState></div>
        ) : (
          <ul className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
            {topRecs.map((r) => <li key={r.id} className="p-3 text-sm"><span className="font-medium">P{r.priority}</span> · <Link className="underline" to="recommendations">{r.title}</Link> <span className="text-slate-500">· {r.whyNow}</span></li>)}
          </ul>
        )}
      </section>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading" className="text-lg font-semibold">Latest activity</h2>
        {events.length === 0 ? (
          <div className="mt-2"><EmptyState title="No activity yet">Messages, issues and deals show up here after the first connector sync.</EmptyState></div>
        ) : (
          <ul className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
            {events.map((e) => <li key={e.id} className="p-3 text-sm"><span className="font-medium">{e.eventType}</span> · <Time value={e.occurredAt} /></li>)}
          </ul>
        )}
      </section>
    </div>
  );
}

type Overview = ReturnType<typeof useLoaderData<typeof loader>>["overview"];
const LEVEL: Record<string, string> = { low: "text-emerald-700", medium: "text-amber-700", high: "text-orange-700", critical: "text-rose-700" };
const pct = (p: number) => `${Math.round(p * 100)}%`;

function ScoresCard({ scores }: { scores: Overview["scores"] }) {
  const pick = (t: string) => scores.find((s) => s.type === t);
  const health = pick("health");
  const risk = pick("risk");
  return (
    <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
      <h3 className="text-sm font-semibold text-slate-700">Health and risk</h3>
      {!health || !risk ? (
        <p className="mt-2 text-sm text-slate-600">Scores appear after the first pipeline run on synced conversations, issues and deals.</p>
      ) : (
        <dl className="mt-2 grid grid-cols-2 gap-2">
          {[health, risk].map((s) => (
            <div key={s.type}>
              <dt className="text-xs uppercase text-slate-500">{s.type}</dt>
              <dd><span className={`text-3xl font-bold ${LEVEL[s.level] ?? ""}`}>{Math.round(s.score)}</span> <span className="text-xs text-slate-600">{s.type === "health" ? `${s.level} concern` : `${s.level} risk`}</span></dd>
              <dd className="text-xs text-slate-600">
                {s.sinceYesterday ? <>{s.sinceYesterday.delta > 0 ? "+" : ""}{s.sinceYesterday.delta} since yesterday{s.sinceYesterday.movers.length ? ` (${s.sinceYesterday.movers.map((m) => `${m.key} ${m.delta > 0 ? "+" : ""}${m.delta}`).join(", ")})` : ""}</> : "no earlier score yet"}
              </dd>
              <dd className="mt-1 text-xs text-slate-600">
                Top factors: {s.components.filter((c) => c.contribution > 0).sort((a, b) => b.contribution - a.contribution).slice(0, 3).map((c) => `${c.key} ${c.contribution}`).join(", ") || "none"}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

function ForecastsSection({ forecasts }: { forecasts: Overview["forecasts"] }) {
  return (
    <section aria-labelledby="forecast-heading">
      <h2 id="forecast-heading" className="text-lg font-semibold">Risk forecast</h2>
      {forecasts.length === 0 ? (
        <div className="mt-2"><EmptyState title="No forecast yet">Forecasts are computed by the recommendations refresh and the daily pipeline.</EmptyState></div>
      ) : (
        <table className="mt-2 w-full rounded-lg bg-white text-sm ring-1 ring-slate-200">
          <caption className="sr-only">Probability of each risk within 7, 14 and 30 days</caption>
          <thead className="text-left text-xs uppercase text-slate-500"><tr><th className="p-2">Risk</th><th className="p-2">7 d</th><th className="p-2">14 d</th><th className="p-2">30 d</th><th className="p-2">Confidence</th><th className="p-2">Drivers</th></tr></thead>
          <tbody className="divide-y divide-slate-100">
            {forecasts.map((f) => (
              <tr key={f.riskType} data-risk={f.riskType}>
                <th scope="row" className="p-2 text-left font-medium">{f.riskType.replace("_", " ")}</th>
                <td className="p-2">{pct(f.p7)}</td><td className="p-2">{pct(f.p14)}</td><td className="p-2">{pct(f.p30)}</td>
                <td className="p-2">{pct(f.confidence)}</td>
                <td className="p-2 text-xs text-slate-600">{(f.topDrivers as { key: string; contribution: number }[]).map((d) => `${d.key} ${d.contribution}`).join(", ") || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
