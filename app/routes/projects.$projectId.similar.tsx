import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { eventTypeLabel, OUTCOME_LABELS, pct } from "~/utils/labels.ts";
import { load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

const WINDOWS = [7, 14, 30] as const;
type Evidence = { kind: string; id: string; url?: string; snippet?: string };

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const w = Number(new URL(request.url).searchParams.get("window") ?? 14);
  const windowDays = (WINDOWS as readonly number[]).includes(w) ? (w as 7 | 14 | 30) : 14;
  const res = await load(request, () => caller.intelligence.similar({ projectId: params.projectId!, windowDays, topK: 10 }));
  return { ...res, windowDays };
}

const REASONS: Record<string, string> = {
  no_signature_yet: "This project's recent history is not summarised for this window yet: that happens in the daily analysis once the project has a few days of data.",
  no_other_projects_with_signatures: "No other project in your workspace has enough history for this window yet.",
};

export default function SimilarCases() {
  const project = useProject();
  const { cases, reason, windowDays } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-bold">Similar cases</h1>
          <p className="text-sm text-slate-600">Projects whose last {windowDays} days looked most like {project.name}'s, and what happened to them next. Projects you are not a member of are shown without names or client text.</p>
        </div>
        <nav aria-label="Window" className="flex gap-1 text-sm">
          {WINDOWS.map((w) => (
            <Link key={w} to={`?window=${w}`} aria-current={w === windowDays ? "page" : undefined}
              className={`rounded border px-2 py-1 ${w === windowDays ? "border-indigo-600 bg-indigo-50 font-semibold text-indigo-700" : "border-slate-300"}`}>{w} days</Link>
          ))}
        </nav>
      </div>
      {cases.length === 0 ? (
        <EmptyState title="No similar cases yet">{REASONS[reason ?? ""] ?? "Nothing comparable found."}</EmptyState>
      ) : (
        <ol className="space-y-3">
          {cases.map((c, i) => (
            <li key={c.caseProjectId ?? `anon-${i}`} className="rounded-lg bg-white p-4 ring-1 ring-slate-200" data-case={c.caseProjectId ?? "anonymous"} data-visible={c.visible ? "true" : "false"}>
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h2 className="font-semibold">
                  {c.visible && c.caseProjectId ? <Link className="underline" to={`/projects/${c.caseProjectId}`}>{c.caseProjectName}</Link> : <span className="text-slate-700">A project you are not a member of</span>}
                </h2>
                <span className="text-sm"><span className="font-bold">{pct(c.similarityScore)}</span> similar</span>
              </div>
              <p className="mt-1 text-xs text-slate-600" title={`time series ${c.whySimilar.timeSeries.toFixed(2)} (weight .6) · event sequence ${c.whySimilar.eventSequence.toFixed(2)} (.3) · context ${c.whySimilar.context.toFixed(2)} (.1)`}>
                Why: the signals moved alike ({pct(c.whySimilar.timeSeries)} match) · the same things happened in the same order ({pct(c.whySimilar.eventSequence)}) · a comparable kind and size of project ({pct(c.whySimilar.context)})
              </p>
              {c.keySharedPatterns.length ? <p className="mt-1 text-xs text-slate-600">Seen in both: {c.keySharedPatterns.map((p) => p.split(">").map(eventTypeLabel).join(", then ")).join(" · ")}</p> : null}
              <h3 className="mt-2 text-sm font-medium">What happened next</h3>
              {c.outcomesSeen.length === 0 ? <p className="text-sm text-slate-600">No risk materialised in this project.</p> : (
                <ul className="mt-1 space-y-1 text-sm">
                  {c.outcomesSeen.map((o, j) => (
                    <li key={j} data-outcome={o.outcomeType}>
                      <span className="font-medium">{OUTCOME_LABELS[o.outcomeType] ?? o.outcomeType.replace("_", " ")}</span> · {o.severity >= 5 ? "severe" : "serious"} · <Time value={o.occurredAt} />
                      {(o.evidenceRefs as Evidence[]).slice(0, 3).map((e) => e.url ? <a key={`${e.kind}:${e.id}`} className="ml-2 text-xs underline" href={e.url} target="_blank" rel="noreferrer">{e.snippet?.slice(0, 60) || e.kind}</a> : null)}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
