import { Link, useFetcher, useNavigate, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { isoDate, Time } from "~/components/AppShell.tsx";
import { CATEGORY_LABELS, DECIDED_BY, MESSAGE_LABELS } from "~/utils/labels.ts";
import { useProject } from "~/utils/project.ts";
import { evidenceSummary, FOLLOW_UP_STATUS, hiddenReason, OWNER_LABEL, priorityLabel, STATUS_LABEL } from "~/utils/recommendations.ts";
import { ActionDraftPanel, type DraftView } from "./ActionDraftPanel.tsx";
import { ActionLog, type ActionRunView } from "./ActionLog.tsx";

// One recommendation: what to do, why (with the records behind it), what can be done from here, and
// what was done. Every button answers inside the card, next to what was clicked.

type Evidence = { kind: string; id: string; url?: string; snippet?: string };
type Option = { type: string; available: boolean; reason: string | null };
export type RecView = {
  id: string; title: string; rationale: string; whyNow: string; expectedImpact: string; textSource: string; category: string; priority: number; ownerRole: string;
  dueDate: string | Date; status: string; gateStatus: string; gateReason: string; active: boolean; evidenceRefs: unknown; evidenceQuality: number;
  firstFiredAt: string | Date; riskBefore: number | null; riskAfter: number | null; acknowledgedAt: string | Date | null; completedAt: string | Date | null; feedback: string;
  actions: Option[];
};
export type FollowUpView = { id: string; status: string; steps: unknown; sent: unknown; startedAt: string | Date; nextSendAt: string | Date | null; lastError: string | null; stopReason: string | null };
type Result = { ok: true; data: { message: string; close?: boolean } } | { ok: false; error: string; fieldErrors: Record<string, string> };

const PRIORITY: Record<number, string> = { 5: "bg-rose-100 text-rose-800", 4: "bg-amber-100 text-amber-800" };
const button = "rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50 disabled:opacity-50";
const primary = "rounded bg-indigo-600 px-2 py-1 text-xs text-white hover:bg-indigo-700 disabled:opacity-50";

export function RecommendationCard({ rec, canAct, runs, followUps, draft, today, understood }: { rec: RecView; canAct: boolean; runs: ActionRunView[]; followUps: FollowUpView[]; draft: DraftView | null; today: string; understood: Record<string, Understood> }) {
  const project = useProject();
  const fetcher = useFetcher<Result>();
  const shown = useFetcher();
  const sent = useRef(false);
  const handled = useRef<unknown>(null);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const busy = fetcher.state !== "idle";
  const open = rec.status !== "done" && rec.status !== "dismissed";
  const available = (t: string) => rec.actions.find((a) => a.type === t);

  // One view of the card = one count (once per page view, not per re-render).
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    shown.submit({ intent: "shown", id: rec.id }, { method: "post" });
  }, [rec.id, shown]);

  // A confirmed action closes its draft, once per answer (an old answer must not close a draft opened
  // later); the answer stays in the card.
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const list = `/projects/${project.id}/recommendations`;
  const query = params.size ? `?${params.toString()}` : "";
  const closeHref = `${list}${query}`;
  useEffect(() => {
    if (!result || result === handled.current) return;
    handled.current = result;
    if (result.ok && result.data.close && draft) navigate(closeHref, { replace: true, preventScrollReset: true });
  }, [result, draft, closeHref, navigate]);

  const draftHref = (kind: string) => `${list}/${rec.id}/${kind}${query}#rec-${rec.id}`;
  const evidence = rec.evidenceRefs as Evidence[];
  const dueDay = isoDate(rec.dueDate);
  const overdue = open && dueDay < today;
  const statusForm = (status: string, label: string) => (
    <fetcher.Form method="post" key={status}>
      <input type="hidden" name="intent" value="status" />
      <input type="hidden" name="id" value={rec.id} />
      <input type="hidden" name="status" value={status} />
      <button disabled={busy || (rec.gateStatus === "hidden" && status !== "dismissed")} className={button}>{label}</button>
    </fetcher.Form>
  );
  const clientHint = !available("send_message")?.available && rec.category !== "delivery_risk" && rec.category !== "finance_risk" ? available("send_message")?.reason : null;

  return (
    <li id={`rec-${rec.id}`} className="scroll-mt-4 rounded-lg bg-white p-4 ring-1 ring-slate-200" data-category={rec.category} data-status={rec.status} aria-labelledby={`rec-title-${rec.id}`}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h2 id={`rec-title-${rec.id}`} className="font-semibold">{rec.title}</h2>
          <p className="mt-1 text-xs text-slate-600">
            <span className={`rounded px-1.5 py-0.5 font-medium ${PRIORITY[rec.priority] ?? "bg-slate-100"}`}>{priorityLabel(rec.priority)}</span>{" "}
            {CATEGORY_LABELS[rec.category] ?? rec.category} · for the {OWNER_LABEL[rec.ownerRole] ?? rec.ownerRole} · due {dueDay}{overdue ? <span className="font-medium text-rose-700"> (overdue)</span> : null} · {STATUS_LABEL[rec.status]}
            {rec.gateStatus === "hidden" ? <> · <span className="font-medium text-rose-700">{hiddenReason(rec.gateReason)}</span></> : null}
            {!rec.active ? <> · no longer applies</> : null}
          </p>
        </div>
        {canAct ? (
          <div className="flex flex-wrap gap-2">
            {open
              ? [rec.status === "new" ? statusForm("acknowledged", "Acknowledge") : null, statusForm("done", "Mark done"), statusForm("dismissed", "Dismiss")]
              : statusForm("acknowledged", "Reopen")}
          </div>
        ) : null}
      </div>

      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-indigo-700">Why am I seeing this?</summary>
        <dl className="mt-2 grid gap-2 md:grid-cols-[10rem_1fr]">
          <dt className="font-medium text-slate-700">Rationale</dt><dd>{rec.rationale}</dd>
          <dt className="font-medium text-slate-700">Why now</dt><dd>{rec.whyNow}</dd>
          <dt className="font-medium text-slate-700">Expected impact</dt><dd>{rec.expectedImpact}</dd>
          <dt className="font-medium text-slate-700">Evidence</dt><dd data-evidence-summary>{evidenceSummary(evidence, rec.evidenceQuality)}</dd>
          <dt className="font-medium text-slate-700">Wording</dt>
          <dd>{rec.textSource === "llm" ? "Reworded by the language model from the standard text" : "Standard text (no language model)"}</dd>
          <dt className="font-medium text-slate-700">First raised</dt><dd><Time value={rec.firstFiredAt} /></dd>
          <dt className="font-medium text-slate-700">Did acting help?</dt>
          <dd data-risk-after={rec.riskAfter ?? ""}>
            {rec.riskBefore === null ? "—" : <>Risk {Math.round(rec.riskBefore)} when raised; </>}
            {rec.riskAfter !== null && rec.riskBefore !== null
              ? <>{Math.round(rec.riskAfter)} seven days after it was acted on ({rec.riskAfter <= rec.riskBefore ? "down" : "up"} {Math.abs(Math.round(rec.riskAfter - rec.riskBefore))}).</>
              : rec.acknowledgedAt || rec.completedAt ? "measured seven days after it was acted on." : "measured seven days after someone acts on it."}
          </dd>
        </dl>
        <h3 className="mt-3 font-medium text-slate-700">The records behind it</h3>
        {evidence.length === 0 ? <p className="text-slate-600">No evidence left: this recommendation stays hidden until there is.</p> : (
          <ul className="mt-1 space-y-1">
            {evidence.map((e) => (
              <li key={`${e.kind}:${e.id}`} className="flex min-w-0 gap-2">
                <span className="w-16 shrink-0 text-xs uppercase text-slate-500">{e.kind === "doc" ? "note" : e.kind}</span>
                <span className="min-w-0 break-words">
                  {e.url ? <a className="underline" href={e.url} target="_blank" rel="noreferrer">{e.snippet || e.id}</a> : (e.snippet || e.id)}
                  {e.kind === "message" && understood[e.id] ? <EvidenceReading messageId={e.id} u={understood[e.id]!} category={rec.category} canCorrect={canAct} /> : null}
                </span>
              </li>
            ))}
          </ul>
        )}
      </details>

      {canAct && open && rec.gateStatus === "visible" ? (
        <div className="mt-3 flex flex-wrap items-center gap-2" role="group" aria-label="Actions">
          {available("send_message")?.available ? <Link className={primary} to={draftHref("message")} preventScrollReset>Write to the client…</Link> : null}
          {available("create_or_update_task")?.available ? <Link className={primary} to={draftHref("task")} preventScrollReset>Create a Linear task…</Link> : null}
          {available("follow_up_sequence")?.available && !followUps.some((f) => f.status === "active") ? <Link className={button} to={draftHref("sequence")} preventScrollReset>Start a follow-up sequence…</Link> : null}
          {available("set_reminder")?.available ? (
            <fetcher.Form method="post">
              <input type="hidden" name="intent" value="act" /><input type="hidden" name="type" value="set_reminder" /><input type="hidden" name="id" value={rec.id} />
              <button disabled={busy} className={button}>Remind me tomorrow</button>
            </fetcher.Form>
          ) : null}
          {clientHint ? <span className="text-xs text-slate-500">No message to the client: {clientHint}.</span> : null}
        </div>
      ) : null}

      {result ? (
        <p role={result.ok ? "status" : "alert"} className={`mt-2 rounded p-2 text-sm ${result.ok ? "bg-emerald-50 text-emerald-800" : "bg-rose-50 text-rose-800"}`}>{result.ok ? result.data.message : result.error}</p>
      ) : null}

      {draft && canAct && open ? <ActionDraftPanel recId={rec.id} view={draft} fetcher={fetcher as never} closeHref={closeHref} /> : null}

      <ActionLog runs={runs} canAct={canAct} />
      <FollowUps items={followUps} canAct={canAct} />

      {canAct ? (
        <fetcher.Form method="post" className="mt-3 flex flex-wrap items-center gap-2 text-xs">
          <input type="hidden" name="intent" value="feedback" />
          <input type="hidden" name="id" value={rec.id} />
          <span className="text-slate-600">Was this helpful?{rec.feedback !== "unknown" ? ` (you said: ${rec.feedback.replace("_", " ")})` : ""}</span>
          <label className="sr-only" htmlFor={`note-${rec.id}`}>Feedback note</label>
          <input id={`note-${rec.id}`} name="note" maxLength={2000} placeholder="Optional note" className="min-w-0 rounded border border-slate-300 px-2 py-1" />
          <button name="helpful" value="helpful" disabled={busy} className={button}>Helpful</button>
          <button name="helpful" value="not_helpful" disabled={busy} className={button}>Not helpful</button>
        </fetcher.Form>
      ) : null}
    </li>
  );
}

function FollowUps({ items, canAct }: { items: FollowUpView[]; canAct: boolean }) {
  const cancel = useFetcher();
  if (!items.length) return null;
  return (
    <section className="mt-3" aria-label="Follow-up sequences">
      <h3 className="text-xs font-semibold uppercase text-slate-500">Follow-up sequence</h3>
      <ul className="mt-1 space-y-1 text-xs">
        {items.map((f) => {
          const steps = f.steps as { afterHours: number; content: string }[];
          const sent = f.sent as unknown[];
          return (
            <li key={f.id} data-follow-up={f.status} className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{FOLLOW_UP_STATUS[f.status] ?? f.status}</span>
              <span className="text-slate-500">{sent.length} of {steps.length} sent · started <Time value={f.startedAt} />{f.status === "active" && f.nextSendAt ? <> · next <Time value={f.nextSendAt} /></> : null}</span>
              {f.lastError ? <span className="text-rose-700">{f.lastError.slice(0, 160)}</span> : null}
              {f.stopReason && f.status !== "active" ? <span className="text-slate-500">{f.stopReason}</span> : null}
              {canAct && f.status === "active" ? (
                <cancel.Form method="post">
                  <input type="hidden" name="intent" value="follow-up-cancel" /><input type="hidden" name="campaignId" value={f.id} />
                  <button disabled={cancel.state !== "idle"} className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-50">Cancel</button>
                </cancel.Form>
              ) : null}
              <details className="w-full text-slate-600"><summary className="cursor-pointer">Texts</summary>
                <ol className="ml-4 list-decimal">{steps.map((s, i) => <li key={i} className="whitespace-pre-line">{s.content}</li>)}</ol>
              </details>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

type Understood = { labels: { label: string; span: string; decidedBy: string }[]; corrected: Record<string, boolean | undefined> };
/** Which label of a cited message this recommendation rests on. */
const CATEGORY_LABEL: Record<string, string[]> = { scope_creep_change_request: ["scope_change"], upsell_opportunity: ["new_need"], waiting_on_client: ["approval_request", "expects_reply"] };

/** What message understanding read in a cited message, who decided it, and a way to say it is wrong. */
function EvidenceReading({ messageId, u, category, canCorrect }: { messageId: string; u: Understood; category: string; canCorrect: boolean }) {
  const project = useProject();
  const fetcher = useFetcher<{ ok: boolean; error?: string }>();
  const relevant = u.labels.filter((l) => (CATEGORY_LABEL[category] ?? []).includes(l.label));
  if (!relevant.length) return null;
  const main = relevant[0]!;
  return (
    <span className="ml-2 text-xs text-slate-500" data-reading={main.label}>
      {MESSAGE_LABELS[main.label]?.label ?? main.label}, read by {DECIDED_BY[main.decidedBy] ?? main.decidedBy}
      {canCorrect && main.decidedBy !== "correction" ? (
        <fetcher.Form method="post" action={`/projects/${project.id}/messages`} className="ml-1 inline">
          <input type="hidden" name="intent" value="correct" /><input type="hidden" name="messageId" value={messageId} />
          <input type="hidden" name="label" value={main.label} /><input type="hidden" name="applies" value="false" />
          <button disabled={fetcher.state !== "idle"} className="underline">{MESSAGE_LABELS[main.label]?.not ?? "not this"}?</button>
        </fetcher.Form>
      ) : null}
      {fetcher.data?.ok ? <span role="status" className="ml-1 text-emerald-700">corrected — the recommendation follows at its next refresh</span> : null}
    </span>
  );
}
