import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { AppShell, EmptyState } from "~/components/AppShell.tsx";
import { Sparkline } from "~/components/Sparkline.tsx";
import { levelLabel, levelStyle } from "~/utils/labels.ts";
import { priorityLabel } from "~/utils/recommendations.ts";
import { load, requireCaller } from "~/utils/trpc.server.ts";

export const meta: MetaFunction = () => [{ title: "Portfolio · Control Tower" }];

const SORTS = { risk: "Highest risk", health: "Lowest health", recs: "Most open recommendations", name: "Name" } as const;
type Sort = keyof typeof SORTS;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const url = new URL(request.url);
  const sortParam = url.searchParams.get("sort") ?? "risk";
  const sort: Sort = sortParam in SORTS ? (sortParam as Sort) : "risk";
  const q = (url.searchParams.get("q") ?? "").trim().toLowerCase().slice(0, 100);
  const atRisk = url.searchParams.get("atRisk") === "1";
  const [me, portfolio] = await Promise.all([load(request, () => caller.auth.me()), load(request, () => caller.projects.portfolio())]);
  const rows = portfolio
    .filter((p) => !q || p.name.toLowerCase().includes(q))
    .filter((p) => !atRisk || (p.risk && p.risk.level !== "low") || (p.health && p.health.level !== "low"))
    .sort((a, b) => {
      if (sort === "name") return a.name.localeCompare(b.name);
      if (sort === "health") return (a.health?.score ?? 101) - (b.health?.score ?? 101) || a.name.localeCompare(b.name);
      if (sort === "recs") return b.openRecommendations - a.openRecommendations || a.name.localeCompare(b.name);
      return (b.risk?.score ?? -1) - (a.risk?.score ?? -1) || a.name.localeCompare(b.name);
    });
  const attention = (p: (typeof portfolio)[number]) => (p.risk && p.risk.level !== "low") || (p.health && p.health.level !== "low");
  const summary = {
    projects: portfolio.length,
    needAttention: portfolio.filter(attention).length,
    urgent: portfolio.filter((p) => p.topRecommendation?.priority === 5).length,
    openRecommendations: portfolio.reduce((a, p) => a + p.openRecommendations, 0),
    failingConnectors: portfolio.reduce((a, p) => a + p.freshness.filter((f) => f.status === "failed").length, 0),
  };
  const last = portfolio.find((p) => p.id === me.activeProjectId) ?? null;
  return { user: me.user, projects: me.projects, activeProjectId: me.activeProjectId, last: last ? { id: last.id, name: last.name } : null, rows, total: portfolio.length, sort, q, atRisk, summary };
}


function age(iso: string | null, now: number): string {
  if (!iso) return "never";
  const m = Math.round((now - new Date(iso).getTime()) / 60_000);
  return m < 1 ? "just now" : m < 60 ? `${m} min ago` : m < 48 * 60 ? `${Math.round(m / 60)} h ago` : `${Math.round(m / 1440)} d ago`;
}

export default function Portfolio() {
  const { user, projects, activeProjectId, last, rows, total, sort, q, atRisk, summary } = useLoaderData<typeof loader>();
  const now = Date.now();
  return (
    <AppShell user={user} projects={projects}>
      <main id="main" className="mx-auto max-w-7xl space-y-4 p-4">
        <div className="flex flex-wrap items-end justify-between gap-2">
          <div>
            <h1 className="text-2xl font-bold">Your projects</h1>
            <p className="text-sm text-slate-600">Health, risk and the next action of every project you belong to.</p>
          </div>
          {last ? <Link to={`/projects/${last.id}`} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm text-white hover:bg-indigo-500">Continue with {last.name} →</Link> : null}
        </div>
        {total > 0 ? (
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" aria-label="Portfolio at a glance">
            {([["Projects", summary.projects], ["Need attention", summary.needAttention], ["With an urgent action", summary.urgent], ["Open recommendations", summary.openRecommendations], ["Failing connectors", summary.failingConnectors]] as const).map(([k, v]) => (
              <div key={k} className="rounded-lg bg-white p-3 ring-1 ring-slate-200">
                <dt className="text-xs uppercase text-slate-500">{k}</dt>
                <dd className={`text-2xl font-bold ${v > 0 && k !== "Projects" && k !== "Open recommendations" ? "text-rose-700" : ""}`}>{v}</dd>
              </div>
            ))}
          </dl>
        ) : null}
        {total === 0 ? (
          <EmptyState title="No projects yet">Ask a project owner to add you as a member.</EmptyState>
        ) : (
          <>
            <Form method="get" className="flex flex-wrap items-end gap-3 text-sm" aria-label="Sort and filter">
              <label className="flex flex-col">Search<input name="q" defaultValue={q} className="rounded border border-slate-300 px-2 py-1" placeholder="Project name" /></label>
              <label className="flex flex-col">Sort by
                <select name="sort" defaultValue={sort} className="rounded border border-slate-300 px-2 py-1">
                  {Object.entries(SORTS).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
                </select>
              </label>
              <label className="flex items-center gap-1"><input type="checkbox" name="atRisk" value="1" defaultChecked={atRisk} /> Needs attention only</label>
              <button className="rounded bg-indigo-600 px-3 py-1 text-white">Apply</button>
            </Form>
            {rows.length === 0 ? <EmptyState title="No project matches">Clear the search or the filter.</EmptyState> : (
              <div className="relative overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
                <table className="w-full min-w-[48rem] text-sm">
                  <caption className="sr-only">Projects with health, risk, trend, top recommendation and data freshness</caption>
                  <thead className="text-left text-xs uppercase text-slate-500">
                    <tr><th className="sticky left-0 z-10 bg-white p-2">Project</th><th className="p-2">Health</th><th className="p-2">Risk</th><th className="p-2">Health, 14 days</th><th className="p-2">Top recommendation</th><th className="p-2">Data freshness</th></tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {rows.map((p) => (
                      <tr key={p.id} data-project={p.id}>
                        <th scope="row" className="sticky left-0 z-10 w-40 bg-white p-2 text-left font-medium sm:w-auto">
                          <Link className="underline" to={`/projects/${p.id}`}>{p.name}</Link>
                          <div className="text-xs font-normal text-slate-500">{p.role}{p.id === activeProjectId ? " · Last opened" : ""}</div>
                        </th>
                        <td className="p-2" data-health={p.health ? Math.round(p.health.score) : ""}>{p.health ? <><span className={`font-bold ${levelStyle("health", p.health.level)}`}>{Math.round(p.health.score)}</span> <span className={`text-xs ${levelStyle("health", p.health.level)}`}>{levelLabel("health", p.health.level)}</span></> : <span className="text-slate-400">—</span>}</td>
                        <td className="p-2" data-risk={p.risk ? Math.round(p.risk.score) : ""}>{p.risk ? <><span className={`font-bold ${levelStyle("risk", p.risk.level)}`}>{Math.round(p.risk.score)}</span> <span className={`text-xs ${levelStyle("risk", p.risk.level)}`}>{levelLabel("risk", p.risk.level)}</span></> : <span className="text-slate-400">—</span>}</td>
                        <td className="p-2"><Sparkline label={`Health of ${p.name} over the last 14 days`} values={p.trend.map((t) => (t.health === null ? null : Math.round(t.health)))} /></td>
                        <td className="p-2">
                          {p.topRecommendation ? <Link className="underline" to={`/projects/${p.id}/recommendations`}>{priorityLabel(p.topRecommendation.priority)} · {p.topRecommendation.title}</Link> : <span className="text-slate-500">{p.health ? "Nothing to do" : "No data yet"}</span>}
                          {p.openRecommendations > 1 ? <div className="text-xs text-slate-500">+{p.openRecommendations - 1} more</div> : null}
                        </td>
                        <td className="p-2 text-xs text-slate-600">
                          {p.freshness.length === 0 ? "no sync yet" : p.freshness.filter((f) => f.connector !== "loops").map((f) => (
                            <div key={f.connector} className={f.status === "failed" ? "text-rose-700" : ""}>{f.connector}: {f.status === "failed" ? "failing · " : ""}{age(f.lastSuccessAt, now)}</div>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </main>
    </AppShell>
  );
}
