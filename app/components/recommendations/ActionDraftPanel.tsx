import { Link, type FetcherWithComponents } from "@remix-run/react";
import { Time } from "~/components/AppShell.tsx";

// The editable draft of an action, shown inside its recommendation card. Nothing leaves the product
// until the person presses the button at the bottom: the message goes to the client exactly as it
// stands in the text box.

type Recent = { author: "client" | "team"; at: string | Date; text: string };
export type MessageDraftView = {
  type: "send_message"; conversationId: number; conversationUrl: string; recipient: { name: string | null; email: string | null };
  language: "en" | "ru"; recent: Recent[]; content: string; followUpSteps: { afterHours: number; content: string }[]; source: "template" | "llm"; note: string | null;
};
export type TaskDraftView = { type: "create_or_update_task"; title: string; description: string; dueDate: string; today: string; teams: { id: string; name: string }[]; teamId: string | null; note: string | null };
export type DraftView = { kind: "message" | "sequence" | "task"; draft: MessageDraftView | TaskDraftView | null; error: string | null };

const LANGUAGE = { en: "English", ru: "Russian" } as const;
const input = "w-full rounded border border-slate-300 px-2 py-1 text-sm";

export function ActionDraftPanel({ recId, view, fetcher, closeHref }: { recId: string; view: DraftView; fetcher: FetcherWithComponents<unknown>; closeHref: string }) {
  const busy = fetcher.state !== "idle";
  const title = view.kind === "task" ? "New Linear task" : view.kind === "sequence" ? "Follow-up sequence" : "Message to the client";
  return (
    <section className="mt-3 rounded-md border border-indigo-200 bg-indigo-50/40 p-3 text-sm" aria-label={title} data-draft={view.kind}>
      <div className="flex items-center justify-between gap-2">
        <h3 className="font-semibold">{title}</h3>
        <Link to={closeHref} replace preventScrollReset className="text-xs text-slate-600 underline">Cancel</Link>
      </div>
      {view.error ? <p role="alert" className="mt-2 text-rose-800">{view.error}</p> : null}
      {view.draft?.type === "send_message" ? <MessageForm recId={recId} draft={view.draft} sequence={view.kind === "sequence"} fetcher={fetcher} busy={busy} /> : null}
      {view.draft?.type === "create_or_update_task" ? <TaskForm recId={recId} draft={view.draft} fetcher={fetcher} busy={busy} /> : null}
    </section>
  );
}

function MessageForm({ recId, draft, sequence, fetcher, busy }: { recId: string; draft: MessageDraftView; sequence: boolean; fetcher: FetcherWithComponents<unknown>; busy: boolean }) {
  const to = draft.recipient.name ? `${draft.recipient.name}${draft.recipient.email ? ` <${draft.recipient.email}>` : ""}` : draft.recipient.email ?? "the client's contact";
  return (
    <fetcher.Form method="post" className="mt-2 space-y-2">
      <input type="hidden" name="intent" value={sequence ? "follow-up-start" : "act"} />
      <input type="hidden" name="type" value="send_message" />
      <input type="hidden" name="id" value={recId} />
      <input type="hidden" name="conversationId" value={draft.conversationId} />
      <p className="text-slate-700">
        To <span className="font-medium" data-recipient>{to}</span> in{" "}
        <a className="underline" href={draft.conversationUrl} target="_blank" rel="noreferrer">conversation #{draft.conversationId} in Chatwoot</a>
        {" "}· written in {LANGUAGE[draft.language]}, the language of this conversation{draft.source === "llm" ? " · smoothed by the language model" : ""}
      </p>
      {draft.note ? <p className="text-xs text-amber-800">{draft.note}</p> : null}
      {draft.recent.length ? (
        <details className="text-xs text-slate-600">
          <summary className="cursor-pointer">Latest messages in this conversation</summary>
          <ul className="mt-1 space-y-1">
            {draft.recent.map((m, i) => (
              <li key={i}><span className="font-medium">{m.author === "client" ? "Client" : "Team"}</span> · <Time value={m.at} />: {m.text}</li>
            ))}
          </ul>
        </details>
      ) : null}
      {sequence ? (
        <>
          <p className="text-xs text-slate-600">Each reminder is sent only if the client has still not answered; the sequence stops as soon as they do. Edit the texts before you start it.</p>
          {draft.followUpSteps.map((s, i) => (
            <div key={i}>
              <label className="block text-xs font-medium text-slate-700" htmlFor={`step-${recId}-${i}`}>Reminder {i + 1}, {Math.round(s.afterHours / 24)} days after you start</label>
              <textarea id={`step-${recId}-${i}`} name={`step${i}`} defaultValue={s.content} rows={3} maxLength={2000} required className={input} />
              <input type="hidden" name={`after${i}`} value={s.afterHours} />
            </div>
          ))}
          <button disabled={busy} className="rounded bg-indigo-600 px-3 py-1 text-white hover:bg-indigo-700 disabled:opacity-50">{busy ? "Starting…" : "Start the sequence"}</button>
        </>
      ) : (
        <>
          <label className="block text-xs font-medium text-slate-700" htmlFor={`content-${recId}`}>Message (edit it as you like)</label>
          <textarea id={`content-${recId}`} name="content" defaultValue={draft.content} rows={9} maxLength={5000} required className={input} />
          <div className="flex flex-wrap items-center gap-3">
            <button disabled={busy} className="rounded bg-indigo-600 px-3 py-1 text-white hover:bg-indigo-700 disabled:opacity-50">{busy ? "Sending…" : "Send to the client"}</button>
            <span className="text-xs text-slate-600">Nothing is sent until you press Send.</span>
          </div>
        </>
      )}
    </fetcher.Form>
  );
}

function TaskForm({ recId, draft, fetcher, busy }: { recId: string; draft: TaskDraftView; fetcher: FetcherWithComponents<unknown>; busy: boolean }) {
  if (!draft.teams.length) return <p role="alert" className="mt-2 text-rose-800">{draft.note ?? "No Linear team to create the task in."}</p>;
  return (
    <fetcher.Form method="post" className="mt-2 grid gap-2">
      <input type="hidden" name="intent" value="act" />
      <input type="hidden" name="type" value="create_or_update_task" />
      <input type="hidden" name="id" value={recId} />
      <label className="text-xs font-medium text-slate-700" htmlFor={`team-${recId}`}>Team</label>
      <select id={`team-${recId}`} name="teamId" defaultValue={draft.teamId ?? undefined} className={input}>
        {draft.teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
      </select>
      <label className="text-xs font-medium text-slate-700" htmlFor={`title-${recId}`}>Title</label>
      <input id={`title-${recId}`} name="title" defaultValue={draft.title} maxLength={250} required className={input} />
      <label className="text-xs font-medium text-slate-700" htmlFor={`due-${recId}`}>Due</label>
      <input id={`due-${recId}`} name="dueDate" type="date" defaultValue={draft.dueDate} min={draft.today} required className={`${input} max-w-xs`} />
      <label className="text-xs font-medium text-slate-700" htmlFor={`desc-${recId}`}>Description</label>
      <textarea id={`desc-${recId}`} name="description" defaultValue={draft.description} rows={6} maxLength={10_000} className={input} />
      <div><button disabled={busy} className="rounded bg-indigo-600 px-3 py-1 text-white hover:bg-indigo-700 disabled:opacity-50">{busy ? "Creating…" : "Create the task"}</button></div>
    </fetcher.Form>
  );
}
