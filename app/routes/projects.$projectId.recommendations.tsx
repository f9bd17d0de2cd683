import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation, useSearchParams, type ShouldRevalidateFunction } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { EmptyState, isoDate, Time } from "~/components/AppShell.tsx";
import { act, load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";
import { CATEGORY_LABELS } from "~/utils/labels.ts";

type Evidence = { kind: string; id: string; url?: string; snippet?: string };

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const url = new URL(request.url);
  const includeHidden = url.searchParams.get("hidden") === "1";
  const includeInactive = url.searchParams.get("inactive") === "1";
  const [list, runs, followUps] = await Promise.all([
    load(request, () => caller.intelligence.recommendations({ projectId, includeHidden, includeInactive, limit: 100 })),
    load(request, () => caller.intelligence.actionRuns({ projectId, limit: 200 })),
    load(request, () => caller.growth.followUps({ projectId, limit: 100 })),
  ]);
  return { items: list.items, runs, followUps, includeHidden, includeInactive };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const form = await request.formData();
  const id = String(form.get("id") ?? "");
  switch (form.get("intent")) {
    case "status": {
      const status = String(form.get("status"));
      return act(request, async () => {
        await caller.intelligence.setStatus({ projectId, id, status: status as never });
        return { message: `Marked ${status}` };
      });
    }
    case "feedback":
      return act(request, async () => {
        await caller.intelligence.feedback({ projectId, id, helpful: String(form.get("helpful")) as never, note: String(form.get("note") ?? "") || undefined });
        return { message: "Thanks — feedback saved" };
      });
    case "act": {
      const type = String(form.get("type"));
      const payload = type === "set_reminder" ? { remindAt: new Date(Date.now() + 86_400_000).toISOString().slice(0, 13) + ":00:00Z" } : {};
      return act(request, async () => {
        const r = await caller.intelligence.act({ projectId, id, type: type as never, payload });
        return { message: r.idempotent ? `Already done: ${LABEL[type] ?? type} (same action as before)` : `${LABEL[type] ?? type}: queued` };
      });
    }
    case "retry-action":
      return act(request, async () => {
        await caller.intelligence.retryAction({ projectId, runId: String(form.get("runId")) });
        return { message: "Retrying the action" };
      });
    case "follow-up-start":
      return act(request, async () => {
        const r = await caller.growth.startFollowUp({ projectId, recommendationId: id });
        return { message: r.idempotent ? "A follow-up sequence already runs in that conversation" : "Follow-up sequence started: reminders in 2 and 5 days, stopped as soon as the client answers" };
      });
    case "follow-up-cancel":
      return act(request, async () => {
        await caller.growth.cancelFollowUp({ projectId, id: String(form.get("campaignId") ?? "") });
        return { message: "Follow-up sequence cancelled" };
      });
    case "shown":
      return act(request, async () => {
        await caller.intelligence.shown({ projectId, id });
        return { message: "" };
      });
    default:
      throw new Response("Unknown action", { status: 400 });
  }
}

// Recording a view changes nothing on the page: no reload for it.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) => (formData?.get("intent") === "shown" ? false : defaultShouldRevalidate);

const LABEL: Record<string, string> = { send_message: "Send follow-up", create_or_update_task: "Create Linear task", set_reminder: "Remind me tomorrow" };
const RUN_STYLE: Record<string, string> = { succeeded: "text-emerald-700", failed: "text-amber-700", dead: "text-rose-700", pending: "text-slate-600", running: "text-slate-600" };

const PRIORITY: Record<number, string> = { 5: "bg-rose-100 text-rose-800", 4: "bg-amber-100 text-amber-800" };
const STATUS_LABEL: Record<string, string> = { new: "New", acknowledged: "Acknowledged", done: "Done", dismissed: "Dismissed" };

export default function Recommendations() {
  const project = useProject();
  const { items, runs, followUps, includeHidden, includeInactive } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const canAct = project.role !== "viewer";
  const toggle = (key: string, on: boolean) => {
    const p = new URLSearchParams(params);
    if (on) p.delete(key);
    else p.set(key, "1");
    return `?${p.toString()}`;
  };
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-bold">Recommendations</h1>
          <p className="text-sm text-slate-600">Next-best actions for {project.name}, by priority. Each says why, with the messages, issues and deals behind it.</p>
        </div>
        <div className="flex gap-3 text-sm">
          <Link className="underline" to={toggle("hidden", includeHidden)}>{includeHidden ? "Hide gated" : "Show gated (diagnostics)"}</Link>
          <Link className="underline" to={toggle("inactive", includeInactive)}>{includeInactive ? "Hide resolved" : "Show no longer firing"}</Link>
        </div>
      </div>
      {result && "ok" in result && !result.ok ? <p role="alert" className="rounded bg-rose-50 p-2 text-sm text-rose-800">{result.error}</p> : null}
      {result && "ok" in result && result.ok && result.data.message ? <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-800">{result.data.message}</p> : null}
      {items.length === 0 ? (
        <EmptyState title="Nothing needs your attention">No recommendation fires for this project right now. They are refreshed every 15 minutes from the synced conversations, issues and deals.</EmptyState>
      ) : (
        <ol className="space-y-3" aria-label="Recommendations by priority">
          {items.map((r) => <RecommendationCard key={r.id} rec={r} canAct={canAct} runs={runs.filter((x) => x.recommendationId === r.id)} followUps={followUps.filter((f) => f.recommendationId === r.id)} />)}
        </ol>
      )}
    </div>
  );
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Rec = Data["items"][number];
type ActionRun = Data["runs"][number];
type FollowUp = Data["followUps"][number];

const FOLLOW_UP_STATUS: Record<string, string> = { active: "running", completed: "completed", stopped_on_reply: "stopped: the client answered", cancelled: "cancelled", failed: "failed" };

function FollowUps({ rec, items, canAct, busy }: { rec: Rec; items: FollowUp[]; canAct: boolean; busy: boolean }) {
  const cites = (rec.evidenceRefs as Evidence[]).some((e) => e.kind === "message");
  const running = items.some((f) => f.status === "active");
  if (!cites && items.length === 0) return null;
  return (
    <section className="mt-3" aria-label="Follow-up sequences">
      <h3 className="text-xs font-semibold uppercase text-slate-500">Follow-up sequence</h3>
      {items.length === 0 ? <p className="text-xs text-slate-600">Reminders to the client in the cited conversation, stopped as soon as they answer.</p> : (
        <ul className="mt-1 space-y-1 text-xs">
          {items.map((f) => {
            const steps = f.steps as { afterHours: number }[];
            const sent = f.sent as unknown[];
            return (
              <li key={f.id} data-follow-up={f.status} className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{FOLLOW_UP_STATUS[f.status] ?? f.status}</span>
                <span className="text-slate-500">{sent.length}/{steps.length} sent · started <Time value={f.startedAt} />{f.status === "active" && f.nextSendAt ? <> · next <Time value={f.nextSendAt} /></> : null}</span>
                {f.lastError ? <span className="text-rose-700">{f.lastError.slice(0, 160)}</span> : null}
                {f.stopReason && f.status !== "active" ? <span className="text-slate-500">{f.stopReason}</span> : null}
                {canAct && f.status === "active" ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="follow-up-cancel" /><input type="hidden" name="id" value={rec.id} /><input type="hidden" name="campaignId" value={f.id} />
                    <button disabled={busy} className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50">Cancel</button>
                  </Form>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {canAct && cites && !running && rec.gateStatus === "visible" ? (
        <Form method="post" className="mt-1">
          <input type="hidden" name="intent" value="follow-up-start" /><input type="hidden" name="id" value={rec.id} />
          <button disabled={busy} className="rounded border border-indigo-300 px-2 py-1 text-xs text-indigo-800 hover:bg-indigo-50">Start follow-up sequence (2 and 5 days)</button>
        </Form>
      ) : null}
    </section>
  );
}

function RecommendationCard({ rec, canAct, runs, followUps }: { rec: Rec; canAct: boolean; runs: ActionRun[]; followUps: FollowUp[] }) {
  const shown = useFetcher();
  const sent = useRef(false);
  const nav = useNavigation();
  const busy = nav.state !== "idle" && nav.formData?.get("id") === rec.id;
  // One view of the card = one recommendation_shown (once per page view, not per re-render).
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    shown.submit({ intent: "shown", id: rec.id }, { method: "post" });
  }, [rec.id, shown]);
  const evidence = rec.evidenceRefs as Evidence[];
  return (
    <li className="rounded-lg bg-white p-4 ring-1 ring-slate-200" data-category={rec.category} data-status={rec.status} aria-labelledby={`rec-${rec.id}`}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id={`rec-${rec.id}`} className="font-semibold">{rec.title}</h2>
          <p className="mt-1 text-xs text-slate-600">
            <span className={`rounded px-1.5 py-0.5 font-medium ${PRIORITY[rec.priority] ?? "bg-slate-100"}`}>P{rec.priority}</span>{" "}
            {CATEGORY_LABELS[rec.category] ?? rec.category} · owner {rec.ownerRole.replace("_", " ")} · due {isoDate(rec.dueDate)}{rec.status !== "done" && rec.status !== "dismissed" && isoDate(rec.dueDate) < new Date().toISOString().slice(0, 10) ? <span className="font-medium text-rose-700"> (overdue)</span> : null} · {STATUS_LABEL[rec.status]}
            {rec.gateStatus === "hidden" ? <> · <span className="font-medium text-rose-700">hidden: {rec.gateReason}</span></> : null}
            {!rec.active ? <> · no longer firing</> : null}
          </p>
        </div>
        {canAct ? (
          <div className="flex flex-wrap gap-2">
            {(["acknowledged", "done", "dismissed"] as const).filter((s) => s !== rec.status).map((s) => (
              <Form method="post" key={s}>
                <input type="hidden" name="intent" value="status" />
                <input type="hidden" name="id" value={rec.id} />
                <input type="hidden" name="status" value={s} />
                <button disabled={busy || (rec.gateStatus === "hidden" && s !== "dismissed")} className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50 disabled:opacity-50">
                  {s === "acknowledged" ? "Acknowledge" : s === "done" ? "Mark done" : "Dismiss"}
                </button>
              </Form>
            ))}
          </div>
        ) : null}
      </div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-indigo-700">Why am I seeing this?</summary>
        <dl className="mt-2 grid gap-2 md:grid-cols-[10rem_1fr]">
          <dt className="font-medium text-slate-700">Rationale</dt><dd>{rec.rationale}</dd>
          <dt className="font-medium text-slate-700">Why now</dt><dd>{rec.whyNow}</dd>
          <dt className="font-medium text-slate-700">Expected impact</dt><dd>{rec.expectedImpact}</dd>
          <dt className="font-medium text-slate-700">Evidence gate</dt>
          <dd>{rec.gateStatus} · {rec.evidenceCount} item{rec.evidenceCount === 1 ? "" : "s"} · quality {rec.evidenceQuality.toFixed(2)}</dd>
          <dt className="font-medium text-slate-700">Wording</dt>
          <dd>{rec.textSource === "llm" ? "Reworded by the language model from the deterministic template" : "Deterministic template (no language model)"}</dd>
          <dt className="font-medium text-slate-700">First raised</dt><dd><Time value={rec.firstFiredAt} /></dd>
          <dt className="font-medium text-slate-700">Did acting help?</dt>
          <dd data-risk-after={rec.riskAfter ?? ""}>
            {rec.riskBefore === null ? "—" : <>Risk score {Math.round(rec.riskBefore)} when raised; </>}
            {rec.riskAfter !== null && rec.riskBefore !== null
              ? <>{Math.round(rec.riskAfter)} seven days after it was acted on ({rec.riskAfter <= rec.riskBefore ? "down" : "up"} {Math.abs(Math.round(rec.riskAfter - rec.riskBefore))}).</>
              : rec.acknowledgedAt || rec.completedAt ? "measured seven days after it was acted on." : "measured seven days after someone acts on it."}
          </dd>
        </dl>
        <h3 className="mt-3 font-medium text-slate-700">Evidence</h3>
        {evidence.length === 0 ? <p className="text-slate-600">No evidence left: this recommendation stays hidden until there is.</p> : (
          <ul className="mt-1 space-y-1">
            {evidence.map((e) => (
              <li key={`${e.kind}:${e.id}`} className="flex gap-2">
                <span className="w-16 shrink-0 text-xs uppercase text-slate-500">{e.kind}</span>
                <span>{e.url ? <a className="underline" href={e.url} target="_blank" rel="noreferrer">{e.snippet || e.id}</a> : (e.snippet || e.id)}</span>
              </li>
            ))}
          </ul>
        )}
      </details>
      {canAct && rec.gateStatus === "visible" ? (
        <div className="mt-3 flex flex-wrap gap-2" role="group" aria-label="Actions">
          {(["send_message", "create_or_update_task", "set_reminder"] as const).map((t) => (
            <Form method="post" key={t}>
              <input type="hidden" name="intent" value="act" />
              <input type="hidden" name="id" value={rec.id} />
              <input type="hidden" name="type" value={t} />
              <button disabled={busy} className="rounded bg-indigo-600 px-2 py-1 text-xs text-white hover:bg-indigo-700 disabled:opacity-50">{LABEL[t]}</button>
            </Form>
          ))}
        </div>
      ) : null}
      {runs.length ? (
        <section className="mt-3" aria-label="Action log">
          <h3 className="text-xs font-semibold uppercase text-slate-500">Action log</h3>
          <ul className="mt-1 space-y-1 text-xs">
            {runs.map((x) => (
              <li key={x.id} data-action={x.actionType} data-run-status={x.status} className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{LABEL[x.actionType] ?? x.actionType}</span>
                <span className={RUN_STYLE[x.status] ?? ""}>{x.status}</span>
                <span className="text-slate-500">attempt{x.attempts === 1 ? "" : "s"}: {x.attempts}/{x.maxAttempts} · <Time value={x.updatedAt} /></span>
                {(x.result as { url?: string }).url ? <a className="underline" href={(x.result as { url: string }).url} target="_blank" rel="noreferrer">open</a> : null}
                {x.error ? <span className="text-rose-700">{x.error.slice(0, 160)}</span> : null}
                {canAct && (x.status === "dead" || x.status === "failed") ? (
                  <Form method="post">
                    <input type="hidden" name="intent" value="retry-action" />
                    <input type="hidden" name="runId" value={x.id} />
                    <button className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50">Retry</button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <FollowUps rec={rec} items={followUps} canAct={canAct} busy={busy} />
      {canAct ? (
        <Form method="post" className="mt-3 flex flex-wrap items-center gap-2 text-xs">
          <input type="hidden" name="intent" value="feedback" />
          <input type="hidden" name="id" value={rec.id} />
          <span className="text-slate-600">Was this helpful?{rec.feedback !== "unknown" ? ` (you said: ${rec.feedback.replace("_", " ")})` : ""}</span>
          <label className="sr-only" htmlFor={`note-${rec.id}`}>Feedback note</label>
          <input id={`note-${rec.id}`} name="note" maxLength={2000} placeholder="Optional note" className="rounded border border-slate-300 px-2 py-1" />
          <button name="helpful" value="helpful" disabled={busy} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">Helpful</button>
          <button name="helpful" value="not_helpful" disabled={busy} className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-50">Not helpful</button>
        </Form>
      ) : null}
    </li>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
