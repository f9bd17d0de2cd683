import { useFetcher } from "@remix-run/react";
import { Time } from "~/components/AppShell.tsx";
import { ACTION_LABEL, RUN_STATUS_LABEL, RUN_STATUS_STYLE } from "~/utils/recommendations.ts";

// What was done on a recommendation's behalf: each action with its state, attempts and errors, the
// exact text that went to the client and a link to where it landed. Retry answers in place.

export type ActionRunView = {
  id: string; actionType: string; status: string; attempts: number; maxAttempts: number; updatedAt: string | Date; error: string | null;
  payload: unknown; result: unknown;
};

export function ActionLog({ runs, canAct }: { runs: ActionRunView[]; canAct: boolean }) {
  if (!runs.length) return null;
  return (
    <section className="mt-3" aria-label="Action log">
      <h3 className="text-xs font-semibold uppercase text-slate-500">Action log</h3>
      <ul className="mt-1 space-y-2 text-xs">
        {runs.map((x) => <RunRow key={x.id} run={x} canAct={canAct} />)}
      </ul>
    </section>
  );
}

function RunRow({ run, canAct }: { run: ActionRunView; canAct: boolean }) {
  const retry = useFetcher<{ ok: boolean; error?: string; data?: { message: string } }>();
  const payload = (run.payload ?? {}) as { content?: string; title?: string; dueDate?: string; remindAt?: string };
  const result = (run.result ?? {}) as { url?: string; identifier?: string; remindAt?: string; dueDate?: string };
  const retrying = retry.state !== "idle";
  return (
    <li data-action={run.actionType} data-run-status={run.status} className="rounded border border-slate-100 p-2">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{ACTION_LABEL[run.actionType] ?? run.actionType}</span>
        <span className={RUN_STATUS_STYLE[run.status] ?? ""}>{RUN_STATUS_LABEL[run.status] ?? run.status}</span>
        <span className="text-slate-500">{run.attempts > 1 ? `${run.attempts} of ${run.maxAttempts} attempts · ` : ""}<Time value={run.updatedAt} /></span>
        {result.url ? <a className="underline" href={result.url} target="_blank" rel="noreferrer">{run.actionType === "create_or_update_task" ? `open ${result.identifier ?? "the task"} in Linear` : "open in Chatwoot"}</a> : null}
        {result.remindAt ? <span className="text-slate-600">for <Time value={result.remindAt} /></span> : null}
        {canAct && (run.status === "dead" || run.status === "failed") ? (
          <retry.Form method="post">
            <input type="hidden" name="intent" value="retry-action" />
            <input type="hidden" name="runId" value={run.id} />
            <button disabled={retrying} className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50 disabled:opacity-50">{retrying ? "Retrying…" : "Retry"}</button>
          </retry.Form>
        ) : null}
        {retry.data && retry.state === "idle" ? <span role="status" className={retry.data.ok ? "text-emerald-700" : "text-rose-700"}>{retry.data.ok ? retry.data.data?.message : retry.data.error}</span> : null}
      </div>
      {run.actionType === "send_message" && payload.content ? <blockquote className="mt-1 whitespace-pre-line border-l-2 border-slate-300 pl-2 text-slate-700" data-sent-text>{payload.content}</blockquote> : null}
      {run.actionType === "create_or_update_task" && payload.title ? <p className="mt-1 text-slate-700">“{payload.title}”{result.dueDate ?? payload.dueDate ? <>, due {result.dueDate ?? payload.dueDate}</> : null}</p> : null}
      {run.error ? <p className="mt-1 text-rose-700">{run.error.slice(0, 300)}</p> : null}
    </li>
  );
}
