import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useFetcher, useFetchers, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { EmptyState, formatCadence, formatDuration, Time } from "~/components/AppShell.tsx";
import { ActionResult as ResultBanner } from "~/components/ActionResult.tsx";
import { ConnectorsPanel } from "~/components/ConnectorsPanel.tsx";
import { WebhooksPanel } from "~/components/WebhooksPanel.tsx";
import { connectorName, describeCounters, RUN_STATUS_LABELS, taskInfo, taskName, technicalCounters, TRIGGER_LABELS } from "~/utils/jobs.ts";
import { act, load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const [scheduled, runs, queue, connectors, errors, health, webhooks] = await Promise.all([
    load(request, () => caller.jobs.scheduled({ projectId })),
    load(request, () => caller.jobs.runs({ projectId, limit: 50 })),
    load(request, () => caller.jobs.queue({ projectId })),
    load(request, () => caller.connectors.state({ projectId })),
    load(request, () => caller.connectors.errors({ projectId, limit: 50 })),
    load(request, () => caller.health()),
    load(request, () => caller.webhooks.status({ projectId })),
  ]);
  return { scheduled, runs: runs.items, queue, connectors, errors, health, webhooks };
}

// Every button on this page submits through its own fetcher (see ScheduleRow and ConnectorsPanel), so
// the answer shows next to what was clicked. Without JavaScript the forms post normally and the
// answer shows at the top of the page.
export async function action({ context, request, params }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const form = await request.formData();
  const task = String(form.get("task") ?? "");
  switch (form.get("intent")) {
    case "run-now":
      // The technical name stays in the answer: it is how the run shows in logs and the API.
      return act(request, async () => {
        await caller.jobs.runNow({ projectId, task });
        return { message: `Queued ${task} — “${taskName(task)}” starts in a moment.` };
      });
    case "cadence":
      return act(request, async () => {
        const r = await caller.jobs.update({ projectId, task, cadenceSeconds: Number(form.get("cadenceSeconds")) });
        return { message: `${taskName(task)} now runs ${formatCadence(r.cadenceSeconds)}.` };
      });
    case "toggle":
      return act(request, async () => {
        const r = await caller.jobs.update({ projectId, task, enabled: form.get("enabled") === "true" });
        return { message: `${taskName(task)} ${r.enabled ? "enabled: it runs on its schedule again." : "disabled: it will not run on its schedule."}` };
      });
    case "sync":
    case "sync-all": {
      const connector = form.get("connector");
      const c = connector === "chatwoot" || connector === "linear" || connector === "attio" ? connector : undefined;
      return act(request, async () => {
        const r = await caller.connectors.sync({ projectId, connector: c });
        return { message: r.jobKeys.length ? `Sync from ${c ? connectorName(c) : "every connected account"} queued; it starts in a moment.` : "Nothing to sync: no account is connected." };
      });
    }
    case "webhook-regenerate":
    case "webhook-secret": {
      const c = connectorParam(form.get("connector"));
      if (form.get("intent") === "webhook-regenerate") {
        return act(request, async () => {
          await caller.webhooks.regenerate({ projectId, connector: c });
          return { message: `New ${connectorName(c)} webhook URL and secret below: paste them into ${connectorName(c)}.` };
        });
      }
      const secret = String(form.get("secret") ?? "").trim();
      return act(request, async () => {
        await caller.webhooks.setSecret({ projectId, connector: c, secret: secret || undefined, allowUnsigned: c === "chatwoot" ? form.get("allowUnsigned") === "true" : undefined });
        return { message: `${connectorName(c)} webhook settings saved.` };
      });
    }
    case "retry-errors":
      return act(request, async () => {
        const r = await caller.connectors.retryErrors({ projectId });
        return { message: r.retried.length ? `Retrying ${r.retried.join(", ")} now.` : "No open connector errors." };
      });
    default:
      throw new Response("Unknown action", { status: 400 });
  }
}

const connectorParam = (v: FormDataEntryValue | null) => {
  if (v === "chatwoot" || v === "linear" || v === "attio") return v;
  throw new Response("Unknown connector", { status: 400 });
};

const CADENCES = [300, 900, 1800, 3600, 6 * 3600, 86_400, 7 * 86_400];
const POLL_MS = 3000;
const LINGER_MS = 10_000;

const HEALTH_LABELS: Record<string, string> = { database: "Database", migrations: "Database schema", worker: "Background worker", pgvector: "Vector search (pgvector)" };

const STATUS_STYLE: Record<string, string> = {
  succeeded: "bg-emerald-100 text-emerald-800", failed: "bg-red-100 text-red-800", running: "bg-sky-100 text-sky-800",
  skipped: "bg-slate-100 text-slate-700", waiting: "bg-slate-100 text-slate-700", retrying: "bg-amber-100 text-amber-800", dead_letter: "bg-red-100 text-red-800",
};
const Badge = ({ status }: { status: string | null }) =>
  status ? <span className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[status] ?? "bg-slate-100"}`} title={status}>{RUN_STATUS_LABELS[status] ?? status.replace("_", " ")}</span> : <span className="text-slate-400">never run</span>;

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Scheduled = LoaderData["scheduled"][number];

/** One task of the schedule, with its own fetchers: each answer shows in this row, beside its button. */
function ScheduleRow({ j, live, canMutate }: { j: Scheduled; live: string | null; canMutate: boolean }) {
  const run = useFetcher<typeof action>();
  const toggle = useFetcher<typeof action>();
  const cadence = useFetcher<typeof action>();
  const info = taskInfo(j.task);
  const runBusy = run.state !== "idle";
  return (
    <tr className="border-t border-slate-100 align-top" data-task={j.task}>
      <td className="p-2">
        <div className="font-medium" title={`${j.task} — ${j.title}`}>{info.name}</div>
        {info.description ? <div className="text-xs text-slate-500">{info.description}</div> : null}
      </td>
      <td className="p-2">
        {canMutate ? (
          <cadence.Form method="post" className="flex items-center gap-1">
            <input type="hidden" name="task" value={j.task} />
            <label className="sr-only" htmlFor={`cadence-${j.task}`}>How often {info.name} runs</label>
            <select id={`cadence-${j.task}`} name="cadenceSeconds" defaultValue={String(j.cadenceSeconds)} className="rounded border border-slate-300 px-1 py-0.5 text-xs">
              {[...new Set([...CADENCES, j.cadenceSeconds])].sort((a, b) => a - b).map((c) => <option key={c} value={c}>{formatCadence(c)}</option>)}
            </select>
            <button name="intent" value="cadence" disabled={cadence.state !== "idle"} className="rounded px-1.5 py-0.5 text-xs ring-1 ring-slate-300 hover:bg-slate-100">Save</button>
          </cadence.Form>
        ) : formatCadence(j.cadenceSeconds)}
        {j.enabled ? "" : <span className="text-xs text-slate-500"> (disabled)</span>}
        <ResultBanner fetcher={cadence} />
      </td>
      <td className="p-2">{j.enabled ? <Time value={j.nextRunAt} /> : "—"}</td>
      <td className="p-2"><Time value={j.lastRunAt} /></td>
      <td className="p-2" data-live-status={live ?? j.lastStatus ?? "never"}>
        {live ? <Badge status={live} /> : <Badge status={j.lastStatus} />}
        {!live && j.lastError ? <div className="mt-1 max-w-xs truncate text-xs text-red-700" title={j.lastError}>{j.lastError}</div> : null}
      </td>
      {canMutate ? (
        <td className="p-2">
          <div className="flex gap-2">
            <run.Form method="post"><input type="hidden" name="task" value={j.task} />
              <button name="intent" value="run-now" disabled={runBusy} className="whitespace-nowrap rounded-md bg-indigo-600 px-2 py-1 text-white hover:bg-indigo-500 disabled:opacity-60">{runBusy ? "Queuing…" : "Run now"}</button></run.Form>
            <toggle.Form method="post"><input type="hidden" name="task" value={j.task} /><input type="hidden" name="enabled" value={String(!j.enabled)} />
              <button name="intent" value="toggle" disabled={toggle.state !== "idle"} className="rounded-md px-2 py-1 ring-1 ring-slate-300 hover:bg-slate-100">{j.enabled ? "Disable" : "Enable"}</button></toggle.Form>
          </div>
          <ResultBanner fetcher={run} />
          <ResultBanner fetcher={toggle} />
        </td>
      ) : null}
    </tr>
  );
}

export default function JobsPage() {
  const { scheduled, runs, queue, connectors, errors, health, webhooks } = useLoaderData<typeof loader>();
  const noJsResult = useActionData<typeof action>();
  const project = useProject();
  const revalidator = useRevalidator();
  const active = queue.some((q) => q.state === "running" || q.state === "waiting" || q.state === "retrying") || runs.some((r) => r.status === "running") || connectors.state.some((s) => s.status === "running");

  const submitting = useFetchers().some((f) => f.state !== "idle");

  // Live progress: re-read the page every few seconds while something is queued or running, and for
  // a little while after (a run's bookkeeping can land just after its job leaves the queue, and a
  // quick job can be done before the page first sees it), so states change without a reload.
  const [pollUntil, setPollUntil] = useState(0);
  // Every change of activity (starting or ending) moves the deadline: polling lingers after the end.
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (active || submitting || seen) setPollUntil(Date.now() + LINGER_MS);
    if (active || submitting) setSeen(true);
  }, [active, submitting, seen]);
  useEffect(() => {
    if (!active && pollUntil === 0) return;
    const t = setInterval(() => {
      if (!active && Date.now() > pollUntil) return clearInterval(t);
      if (revalidator.state === "idle" && document.visibilityState === "visible") revalidator.revalidate();
    }, POLL_MS);
    return () => clearInterval(t);
  }, [active, pollUntil, revalidator]);

  /** What a task is doing right now, from the queue and the running runs (null when idle). */
  const liveState = (task: string): string | null => {
    if (runs.some((r) => r.task === task && r.status === "running")) return "running";
    const q = queue.find((x) => x.task === task && x.state !== "dead_letter");
    return q ? q.state : null;
  };

  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-2xl font-bold">Operations</h1>
        {active ? <span className="text-sm text-sky-800" aria-live="polite">Work in progress — this page updates by itself.</span> : null}
      </div>
      {noJsResult ? (
        <div aria-live="polite">
          {noJsResult.ok
            ? <p className="rounded-md bg-emerald-50 p-2 text-sm text-emerald-800">{noJsResult.data.message}</p>
            : <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">{noJsResult.error}</p>}
        </div>
      ) : null}

      <section aria-labelledby="health-heading">
        <h2 id="health-heading" className="text-lg font-semibold">Health <span className={`ml-2 rounded px-2 py-0.5 text-xs ${health.status === "ok" ? "bg-emerald-100 text-emerald-800" : "bg-red-100 text-red-800"}`}>{health.status === "ok" ? "all good" : "needs attention"}</span></h2>
        <ul className="mt-2 grid gap-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
          {Object.entries(health.components).map(([name, c]) => (
            <li key={name} data-health={name} className="rounded-lg bg-white p-3 ring-1 ring-slate-200">
              <div className="flex items-center gap-2 font-medium" title={name}>{c.ok ? <span aria-hidden className="text-emerald-600">●</span> : <span aria-hidden className="text-red-600">●</span>}{HEALTH_LABELS[name] ?? name}<span className="sr-only">{c.ok ? " ok" : " failing"}</span></div>
              <div className="text-xs text-slate-600">{c.detail}</div>
            </li>
          ))}
        </ul>
      </section>

      <ConnectorsPanel sources={connectors.sources} state={connectors.state} errors={errors} canMutate={project.canMutate} />
      <WebhooksPanel rows={webhooks} canMutate={project.canMutate} />

      <section aria-labelledby="schedule-heading">
        <h2 id="schedule-heading" className="text-lg font-semibold">Schedule</h2>
        <p className="text-sm text-slate-600">The background jobs that keep this project's data, scores and recommendations current. Hover a name for its technical name.</p>
        {scheduled.length === 0 ? <div className="mt-2"><EmptyState title="No scheduled jobs yet">The scheduler creates them on its next tick (every minute).</EmptyState></div> : (
          <div className="relative mt-2 overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
            <table className="min-w-[max(100%,48rem)] text-sm">
              <thead className="bg-slate-50 text-left"><tr>
                <th scope="col" className="p-2">Job</th><th scope="col" className="p-2">How often</th><th scope="col" className="p-2">Next run</th>
                <th scope="col" className="p-2">Last run</th><th scope="col" className="p-2">Status</th>{project.canMutate ? <th scope="col" className="p-2"><span className="sr-only">Actions</span></th> : null}
              </tr></thead>
              <tbody>
                {scheduled.map((j) => <ScheduleRow key={j.id} j={j} live={liveState(j.task)} canMutate={project.canMutate} />)}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="queue-heading">
        <h2 id="queue-heading" className="text-lg font-semibold">Queue</h2>
        {queue.length === 0 ? <p className="mt-2 text-sm text-slate-600">Nothing waiting, running or given up on.</p> : (
          <ul className="mt-2 divide-y divide-slate-100 rounded-lg bg-white text-sm ring-1 ring-slate-200">
            {queue.map((q) => (
              <li key={q.id} className="flex flex-wrap items-center gap-3 p-2" data-queue-task={q.task} data-queue-state={q.state}>
                <Badge status={q.state} /><span className="font-medium" title={q.task}>{taskName(q.task)}</span>
                <span className="text-slate-600">attempt {q.attempts} of {q.maxAttempts} · {q.state === "dead_letter" ? "last tried" : "runs"} <Time value={q.runAt} /></span>
                {q.lastError ? <span className="text-xs text-red-700">{q.lastError.slice(0, 200)}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading" className="text-lg font-semibold">Recent runs</h2>
        {runs.length === 0 ? <div className="mt-2"><EmptyState title="No runs yet">Runs appear here as soon as the worker picks up a job.</EmptyState></div> : (
          <div className="relative mt-2 overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
            <table className="min-w-[max(100%,48rem)] text-sm">
              <thead className="bg-slate-50 text-left"><tr>
                <th scope="col" className="p-2">Job</th><th scope="col" className="p-2">Status</th><th scope="col" className="p-2">Started by</th><th scope="col" className="p-2">Attempt</th>
                <th scope="col" className="p-2">Started</th><th scope="col" className="p-2">Took</th><th scope="col" className="p-2">What it did</th>
              </tr></thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id} className="border-t border-slate-100" data-run-status={r.status} data-run-task={r.task}>
                    <td className="p-2 font-medium" title={r.task}>{taskName(r.task)}</td>
                    <td className="p-2"><Badge status={r.status} />{r.error ? <div className="mt-1 max-w-xs truncate text-xs text-red-700" title={r.error}>{r.error}</div> : null}
                      {r.progress ? <div className="mt-1 text-xs text-sky-800">{r.progress.stepsDone.length} step{r.progress.stepsDone.length === 1 ? "" : "s"} done{r.progress.currentStep ? ` · now: ${r.progress.currentStep.replace(/_/g, " ")}` : ""}</div> : null}</td>
                    <td className="p-2" title={r.trigger}>{TRIGGER_LABELS[r.trigger] ?? r.trigger}</td><td className="p-2">{r.attempt}</td>
                    <td className="p-2"><Time value={r.startedAt} /></td><td className="p-2 whitespace-nowrap">{formatDuration(r.durationMs)}</td>
                    <td className="p-2 text-xs" data-counters title={technicalCounters(r.counters) || undefined}>{describeCounters(r.counters, r.task, { max: 3 }) || "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
