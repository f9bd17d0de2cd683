import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { EmptyState, formatCadence, formatDuration, Time } from "~/components/AppShell.tsx";
import { ConnectorsPanel } from "~/components/ConnectorsPanel.tsx";
import { act, load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const [scheduled, runs, queue, connectors, errors, health] = await Promise.all([
    load(request, () => caller.jobs.scheduled({ projectId })),
    load(request, () => caller.jobs.runs({ projectId, limit: 50 })),
    load(request, () => caller.jobs.queue({ projectId })),
    load(request, () => caller.connectors.state({ projectId })),
    load(request, () => caller.connectors.errors({ projectId, limit: 50 })),
    load(request, () => caller.health()),
  ]);
  return { scheduled, runs: runs.items, queue, connectors, errors, health };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const form = await request.formData();
  const task = String(form.get("task") ?? "");
  switch (form.get("intent")) {
    case "run-now":
      return act(request, async () => ({ message: `Queued ${task} (${(await caller.jobs.runNow({ projectId, task })).jobKey})` }));
    case "cadence":
      return act(request, async () => {
        const r = await caller.jobs.update({ projectId, task, cadenceSeconds: Number(form.get("cadenceSeconds")) });
        return { message: `${task} now runs ${formatCadence(r.cadenceSeconds)}` };
      });
    case "toggle":
      return act(request, async () => {
        const r = await caller.jobs.update({ projectId, task, enabled: form.get("enabled") === "true" });
        return { message: `${task} ${r.enabled ? "enabled" : "disabled"}` };
      });
    case "sync":
    case "sync-all": {
      const connector = form.get("connector");
      const c = connector === "chatwoot" || connector === "linear" || connector === "attio" ? connector : undefined;
      return act(request, async () => ({ message: `Sync queued (${(await caller.connectors.sync({ projectId, connector: c })).jobKeys.join(", ")})` }));
    }
    case "retry-errors":
      return act(request, async () => {
        const r = await caller.connectors.retryErrors({ projectId });
        return { message: r.retried.length ? `Retrying ${r.retried.join(", ")}` : "No open connector errors" };
      });
    default:
      throw new Response("Unknown action", { status: 400 });
  }
}

const CADENCES = [300, 900, 1800, 3600, 6 * 3600, 86_400, 7 * 86_400];

const STATUS_STYLE: Record<string, string> = {
  succeeded: "bg-emerald-100 text-emerald-800", failed: "bg-red-100 text-red-800", running: "bg-sky-100 text-sky-800",
  skipped: "bg-slate-100 text-slate-700", waiting: "bg-slate-100 text-slate-700", retrying: "bg-amber-100 text-amber-800", dead_letter: "bg-red-100 text-red-800",
};
const Badge = ({ status }: { status: string | null }) =>
  status ? <span className={`rounded px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[status] ?? "bg-slate-100"}`}>{status.replace("_", " ")}</span> : <span className="text-slate-400">never run</span>;

export default function JobsPage() {
  const { scheduled, runs, queue, connectors, errors, health } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const project = useProject();
  const nav = useNavigation();
  const revalidator = useRevalidator();
  const active = queue.some((q) => q.state === "running" || q.state === "waiting") || runs.some((r) => r.status === "running") || connectors.state.some((s) => s.status === "running");

  // Live progress: poll while something is queued or running.
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 3000);
    return () => clearInterval(t);
  }, [active, revalidator]);

  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Operations</h1>
      <div aria-live="polite">
        {result ? (result.ok
          ? <p className="rounded-md bg-emerald-50 p-2 text-sm text-emerald-800">{result.data.message}</p>
          : <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">{result.error}</p>) : null}
      </div>

      <section aria-labelledby="health-heading">
        <h2 id="health-heading" className="text-lg font-semibold">Health <span className={`ml-2 rounded px-2 py-0.5 text-xs ${health.status === "ok" ? "bg-emerald-100 text-emerald-800" : "bg-red-100 text-red-800"}`}>{health.status}</span></h2>
        <ul className="mt-2 grid gap-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
          {Object.entries(health.components).map(([name, c]) => (
            <li key={name} data-health={name} className="rounded-lg bg-white p-3 ring-1 ring-slate-200">
              <div className="flex items-center gap-2 font-medium">{c.ok ? <span aria-hidden className="text-emerald-600">●</span> : <span aria-hidden className="text-red-600">●</span>}{name}<span className="sr-only">{c.ok ? " ok" : " failing"}</span></div>
              <div className="text-xs text-slate-600">{c.detail}</div>
            </li>
          ))}
        </ul>
      </section>

      <ConnectorsPanel sources={connectors.sources} state={connectors.state} errors={errors} canMutate={project.canMutate} />

      <section aria-labelledby="schedule-heading">
        <h2 id="schedule-heading" className="text-lg font-semibold">Schedule</h2>
        {scheduled.length === 0 ? <div className="mt-2"><EmptyState title="No scheduled jobs yet">The scheduler creates them on its next tick (every minute).</EmptyState></div> : (
          <div className="mt-2 overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
            <table className="min-w-full text-sm">
              <thead className="bg-slate-50 text-left"><tr>
                <th scope="col" className="p-2">Task</th><th scope="col" className="p-2">Cadence</th><th scope="col" className="p-2">Next run</th>
                <th scope="col" className="p-2">Last run</th><th scope="col" className="p-2">Status</th>{project.canMutate ? <th scope="col" className="p-2"><span className="sr-only">Actions</span></th> : null}
              </tr></thead>
              <tbody>
                {scheduled.map((j) => (
                  <tr key={j.id} className="border-t border-slate-100" data-task={j.task}>
                    <td className="p-2"><div className="font-medium">{j.task}</div><div className="text-xs text-slate-500">{j.title}</div></td>
                    <td className="p-2">
                      {project.canMutate ? (
                        <Form method="post" className="flex items-center gap-1">
                          <input type="hidden" name="task" value={j.task} />
                          <label className="sr-only" htmlFor={`cadence-${j.task}`}>Cadence of {j.task}</label>
                          <select id={`cadence-${j.task}`} name="cadenceSeconds" defaultValue={String(j.cadenceSeconds)} className="rounded border border-slate-300 px-1 py-0.5 text-xs">
                            {[...new Set([...CADENCES, j.cadenceSeconds])].sort((a, b) => a - b).map((c) => <option key={c} value={c}>{formatCadence(c)}</option>)}
                          </select>
                          <button name="intent" value="cadence" className="rounded px-1.5 py-0.5 text-xs ring-1 ring-slate-300 hover:bg-slate-100">Save</button>
                        </Form>
                      ) : formatCadence(j.cadenceSeconds)}
                      {j.enabled ? "" : <span className="text-xs text-slate-500"> (disabled)</span>}
                    </td>
                    <td className="p-2">{j.enabled ? <Time value={j.nextRunAt} /> : "—"}</td>
                    <td className="p-2"><Time value={j.lastRunAt} /></td>
                    <td className="p-2"><Badge status={j.lastStatus} />{j.lastError ? <div className="mt-1 max-w-xs truncate text-xs text-red-700" title={j.lastError}>{j.lastError}</div> : null}</td>
                    {project.canMutate ? (
                      <td className="flex gap-2 p-2">
                        <Form method="post"><input type="hidden" name="task" value={j.task} />
                          <button name="intent" value="run-now" disabled={nav.state !== "idle"} className="rounded-md bg-indigo-600 px-2 py-1 text-white hover:bg-indigo-500">Run now</button></Form>
                        <Form method="post"><input type="hidden" name="task" value={j.task} /><input type="hidden" name="enabled" value={String(!j.enabled)} />
                          <button name="intent" value="toggle" className="rounded-md px-2 py-1 ring-1 ring-slate-300 hover:bg-slate-100">{j.enabled ? "Disable" : "Enable"}</button></Form>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="queue-heading">
        <h2 id="queue-heading" className="text-lg font-semibold">Queue</h2>
        {queue.length === 0 ? <p className="mt-2 text-sm text-slate-600">Nothing waiting, running or dead-lettered.</p> : (
          <ul className="mt-2 divide-y divide-slate-100 rounded-lg bg-white text-sm ring-1 ring-slate-200">
            {queue.map((q) => (
              <li key={q.id} className="flex flex-wrap items-center gap-3 p-2">
                <Badge status={q.state} /><span className="font-medium">{q.task}</span>
                <span className="text-slate-600">attempt {q.attempts}/{q.maxAttempts} · run at <Time value={q.runAt} /></span>
                {q.lastError ? <span className="text-xs text-red-700">{q.lastError.slice(0, 200)}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading" className="text-lg font-semibold">Recent runs</h2>
        {runs.length === 0 ? <div className="mt-2"><EmptyState title="No runs yet">Runs appear here as soon as the worker picks up a job.</EmptyState></div> : (
          <div className="mt-2 overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
            <table className="min-w-full text-sm">
              <thead className="bg-slate-50 text-left"><tr>
                <th scope="col" className="p-2">Task</th><th scope="col" className="p-2">Status</th><th scope="col" className="p-2">Trigger</th><th scope="col" className="p-2">Attempt</th>
                <th scope="col" className="p-2">Started</th><th scope="col" className="p-2">Duration</th><th scope="col" className="p-2">Counters</th>
              </tr></thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id} className="border-t border-slate-100" data-run-status={r.status}>
                    <td className="p-2 font-medium">{r.task}</td>
                    <td className="p-2"><Badge status={r.status} />{r.error ? <div className="mt-1 max-w-xs truncate text-xs text-red-700" title={r.error}>{r.error}</div> : null}
                      {r.progress ? <div className="mt-1 text-xs text-sky-800">{r.progress.stepsDone.length} step(s) done{r.progress.currentStep ? ` · now: ${r.progress.currentStep}` : ""}</div> : null}</td>
                    <td className="p-2">{r.trigger}</td><td className="p-2">{r.attempt}</td>
                    <td className="p-2"><Time value={r.startedAt} /></td><td className="p-2">{formatDuration(r.durationMs)}</td>
                    <td className="p-2 font-mono text-xs">{Object.entries(r.counters).map(([k, v]) => `${k}=${v}`).join(" ") || "—"}</td>
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
