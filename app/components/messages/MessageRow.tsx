import { useFetcher } from "@remix-run/react";
import type { ReactNode } from "react";
import { Time } from "~/components/AppShell.tsx";
import { DECIDED_BY, MESSAGE_LABELS } from "~/utils/labels.ts";

// One message of the conversation feed: who wrote it, what it says according to message
// understanding (each label with the span that carries it highlighted, and who decided), and for
// PMs a way to correct it ("not a scope request").

export type MessageView = {
  id: string; conversation: string; content: string | null; from_client: boolean; at: string | Date; url: string | null; tone: number | null; engine: string | null;
  labels: { label: string; confidence: number; span: string; decidedBy: string }[]; corrections: Record<string, boolean | undefined>;
};

/** The text with the spans that carry labels marked. */
export function Highlighted({ text, spans }: { text: string; spans: string[] }) {
  const ranges = spans.map((s) => ({ at: s ? text.indexOf(s) : -1, len: s.length })).filter((r) => r.at >= 0).sort((a, b) => a.at - b.at);
  const out: ReactNode[] = [];
  let pos = 0;
  for (const r of ranges) {
    if (r.at < pos) continue;
    out.push(text.slice(pos, r.at), <mark key={r.at} className="rounded bg-amber-100 px-0.5">{text.slice(r.at, r.at + r.len)}</mark>);
    pos = r.at + r.len;
  }
  out.push(text.slice(pos));
  return <>{out}</>;
}

const tone = (t: number | null) => (t === null ? null : t <= -0.3 ? "unhappy" : t >= 0.3 ? "positive" : null);

export function MessageRow({ m, canCorrect }: { m: MessageView; canCorrect: boolean }) {
  const fetcher = useFetcher<{ ok: boolean; error?: string }>();
  const author = m.from_client ? "client" : "team";
  const applicable = Object.entries(MESSAGE_LABELS).filter(([, v]) => v.author === author);
  const busy = fetcher.state !== "idle";
  const correct = (label: string, applies: "true" | "false" | "null") => (
    <fetcher.Form method="post" className="inline">
      <input type="hidden" name="intent" value="correct" /><input type="hidden" name="messageId" value={m.id} />
      <input type="hidden" name="label" value={label} /><input type="hidden" name="applies" value={applies} />
      <button disabled={busy} className="rounded px-1.5 py-0.5 text-xs text-slate-600 underline hover:bg-slate-100 disabled:opacity-50">
        {applies === "false" ? MESSAGE_LABELS[label]!.not : applies === "true" ? `+ ${MESSAGE_LABELS[label]!.label}` : `undo the “${MESSAGE_LABELS[label]!.label}” correction`}
      </button>
    </fetcher.Form>
  );
  const feel = tone(m.tone);
  return (
    <li className="p-3 text-sm" data-message={m.id} data-labels={m.labels.map((l) => l.label).join(" ")}>
      <div className="flex flex-wrap items-center gap-2">
        <span className={`rounded px-1.5 py-0.5 text-xs ${m.from_client ? "bg-sky-100 text-sky-800" : "bg-slate-100 text-slate-700"}`}>{author}</span>
        {m.labels.map((l) => (
          <span key={l.label} data-label={l.label} className="rounded bg-amber-50 px-1.5 py-0.5 text-xs text-amber-900 ring-1 ring-amber-200" title={`“${l.span}” — decided by ${DECIDED_BY[l.decidedBy] ?? l.decidedBy}${l.decidedBy !== "correction" ? ` (${Math.round(l.confidence * 100)}% sure)` : ""}`}>
            {MESSAGE_LABELS[l.label]?.label ?? l.label}{l.decidedBy === "correction" ? " · by a person" : ""}
          </span>
        ))}
        {feel ? <span className={`text-xs ${feel === "unhappy" ? "text-rose-700" : "text-emerald-700"}`}>{feel}</span> : null}
        <span className="text-xs text-slate-500">conversation {m.conversation} · <Time value={m.at} />{m.url ? <> · <a className="underline" href={m.url} target="_blank" rel="noreferrer">open in Chatwoot</a></> : null}</span>
      </div>
      <p className="mt-1 whitespace-pre-line break-words"><Highlighted text={m.content ?? ""} spans={m.labels.map((l) => l.span)} /></p>
      {m.labels.length || m.engine ? <p className="mt-1 text-xs text-slate-500">Read by {m.labels.some((l) => l.decidedBy === "correction") ? "a person and " : ""}{DECIDED_BY[m.engine ?? "local"]}.</p> : null}
      {canCorrect ? (
        <div className="mt-1 flex flex-wrap items-center gap-1" aria-label="Correct the labels">
          {applicable.map(([label]) => {
            const corrected = m.corrections[label] !== undefined;
            const has = m.labels.some((l) => l.label === label);
            return <span key={label}>{corrected ? correct(label, "null") : has ? correct(label, "false") : correct(label, "true")}</span>;
          })}
          {fetcher.data && !fetcher.data.ok ? <span role="alert" className="text-xs text-rose-700">{fetcher.data.error}</span> : null}
        </div>
      ) : null}
    </li>
  );
}
