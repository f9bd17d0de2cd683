import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState, isoDate, Time } from "~/components/AppShell.tsx";
import { TrendChart, type TrendPoint } from "~/components/TrendChart.tsx";
import { load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const kind = new URL(request.url).searchParams.get("kind") === "weekly" ? "weekly" : "daily";
  const [digests, portfolio] = await Promise.all([
    load(request, () => caller.intelligence.digests({ projectId: params.projectId!, kind, limit: 14 })),
    load(request, () => caller.projects.portfolioDigest({ kind })),
  ]);
  return { kind, digests, portfolio };
}

type Content = { trend: TrendPoint[]; activity: Record<string, number>; recommendationsRaised: { title: string; priority: number }[]; outcomes: { type: string; severity: number }[] };

export default function Digests() {
  const project = useProject();
  const { kind, digests, portfolio } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-bold">Digests</h1>
          <p className="text-sm text-slate-600">What changed in {project.name}, {kind === "daily" ? "day by day" : "week by week"}, and across your projects.</p>
        </div>
        <nav aria-label="Digest period" className="flex gap-1 text-sm">
          {(["daily", "weekly"] as const).map((k) => (
            <Link key={k} to={`?kind=${k}`} aria-current={k === kind ? "page" : undefined} className={`rounded border px-2 py-1 ${k === kind ? "border-indigo-600 bg-indigo-50 font-semibold text-indigo-700" : "border-slate-300"}`}>{k === "daily" ? "Daily" : "Weekly"}</Link>
          ))}
        </nav>
      </div>
      <section aria-labelledby="project-digests">
        <h2 id="project-digests" className="text-lg font-semibold">{project.name}</h2>
        {digests.length === 0 ? <div className="mt-2"><EmptyState title="No digest yet">The {kind} digest is written by the {kind}_digest job (Operations → run now).</EmptyState></div> : (
          <ol className="mt-2 space-y-3">
            {digests.map((d, i) => {
              const c = d.content as unknown as Content;
              return (
                <li key={String(d.id)} className="rounded-lg bg-white p-4 ring-1 ring-slate-200" data-digest={isoDate(d.periodStart)}>
                  <h3 className="font-semibold">{isoDate(d.periodStart)}{kind === "weekly" ? ` – ${isoDate(d.periodEnd)}` : ""}</h3>
                  <p className="mt-1 text-sm">{d.summary}</p>
                  <p className="mt-1 text-xs text-slate-500">{d.summarySource === "llm" ? "Summary written by the language model from the numbers below" : "Deterministic summary (no language model)"}</p>
                  {i === 0 && c.trend.length >= 2 ? <div className="mt-2"><TrendChart points={c.trend} /></div> : null}
                  <dl className="mt-2 grid grid-cols-2 gap-2 text-xs text-slate-600 md:grid-cols-4">
                    <div><dt className="font-medium">Messages</dt><dd>{(c.activity.message_received ?? 0) + (c.activity.message_sent ?? 0)}</dd></div>
                    <div><dt className="font-medium">Issues opened / done</dt><dd>{c.activity.issue_created ?? 0} / {c.activity.issue_completed ?? 0}</dd></div>
                    <div><dt className="font-medium">New recommendations</dt><dd>{c.recommendationsRaised.length}</dd></div>
                    <div><dt className="font-medium">Risks materialised</dt><dd>{c.outcomes.length}</dd></div>
                  </dl>
                </li>
              );
            })}
          </ol>
        )}
      </section>
      <section aria-labelledby="portfolio-digest">
        <h2 id="portfolio-digest" className="text-lg font-semibold">Your portfolio</h2>
        {portfolio.stored ? (
          <div className="mt-2 rounded-lg bg-indigo-50 p-3 text-sm ring-1 ring-indigo-100" data-portfolio-digest={isoDate(portfolio.stored.periodStart)}>
            <p className="font-medium">{isoDate(portfolio.stored.periodStart)}{kind === "weekly" ? ` – ${isoDate(portfolio.stored.periodEnd)}` : ""}</p>
            <p>{portfolio.stored.summary}</p>
            <p className="mt-1 text-xs text-slate-600">Written <Time value={portfolio.stored.writtenAt} /> by the {kind} digest job · deterministic summary</p>
          </div>
        ) : <p className="mt-2 text-sm text-slate-600">No stored portfolio digest yet: the {kind} digest job writes one{kind === "daily" ? " every morning" : " every Monday"}. Meanwhile, the latest digest of each project:</p>}
        <ul className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
          {portfolio.projects.map((p) => (
            <li key={p.projectId} className="p-3 text-sm">
              <Link className="font-medium underline" to={`/projects/${p.projectId}/digests?kind=${kind}`}>{p.name}</Link>
              <p className="text-slate-700">{p.digest ? p.digest.summary : "No digest yet."}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
