import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { MessageRow } from "~/components/messages/MessageRow.tsx";
import { MESSAGE_LABELS } from "~/utils/labels.ts";
import { useProject } from "~/utils/project.ts";
import { act, load, requireCaller } from "~/utils/trpc.server.ts";

const LABEL_KEYS = Object.keys(MESSAGE_LABELS) as ("scope_change" | "new_need" | "approval_request" | "expects_reply")[];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const url = new URL(request.url);
  const q = (url.searchParams.get("q") ?? "").slice(0, 500);
  const before = url.searchParams.get("before") ?? undefined;
  const labelParam = url.searchParams.get("label");
  const label = LABEL_KEYS.find((k) => k === labelParam);
  const [results, feed, engine] = await Promise.all([
    load(request, () => caller.search.query({ projectId, q, limit: 20 })),
    load(request, () => caller.search.messages({ projectId, before: before ? new Date(before) : undefined, label, limit: 50 })),
    load(request, () => caller.understanding.engine({ projectId })),
  ]);
  return { q, results, feed, label: label ?? "", engine };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const form = await request.formData();
  if (form.get("intent") !== "correct") throw new Response("Unknown action", { status: 400 });
  const applies = String(form.get("applies"));
  return act(request, async () => {
    await caller.understanding.correct({ projectId: params.projectId!, messageId: String(form.get("messageId") ?? ""), label: String(form.get("label")) as never, applies: applies === "true" ? true : applies === "false" ? false : null });
    return { message: "Corrected" };
  });
}

const MODEL_NOTE: Record<string, string> = { "local-trigram-v1": "local deterministic embedder (no OpenAI key configured)" };

export default function MessagesAndSearch() {
  const { q, results, feed, label, engine } = useLoaderData<typeof loader>();
  const nav = useNavigation();
  const project = useProject();
  const metrics = engine.workspaceModel?.metrics as { heldBack?: number; baseAgreement?: number | null; retrainedAgreement?: number | null } | undefined;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Messages &amp; search</h1>
        <p className="text-sm text-slate-600">Search this project's conversations, issues and notes by meaning and by words.</p>
      </div>
      <Form method="get" role="search" className="flex gap-2">
        <label htmlFor="q" className="sr-only">Search</label>
        <input id="q" name="q" defaultValue={q} maxLength={500} placeholder="e.g. approval of the designs" className="w-full max-w-xl rounded border border-slate-300 px-3 py-2" />
        <button className="rounded bg-indigo-600 px-4 py-2 text-white disabled:opacity-50" disabled={nav.state !== "idle"}>Search</button>
      </Form>
      {q ? (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading" className="text-lg font-semibold">Results for “{q}”</h2>
          {results.model ? <p className="text-xs text-slate-500">Semantic side: {MODEL_NOTE[results.model] ?? results.model}; keyword side: full-text match. Ranked by reciprocal rank fusion.</p> : null}
          {results.hits.length === 0 ? <div className="mt-2"><EmptyState title="Nothing found">No message, issue or note matches. New data is indexed every 20 minutes.</EmptyState></div> : (
            <ol className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
              {results.hits.map((h) => (
                <li key={`${h.evidence.kind}:${h.evidence.id}`} className="p-3 text-sm" data-kind={h.evidence.kind}>
                  <span className="mr-2 text-xs uppercase text-slate-500">{h.evidence.kind}</span>
                  {h.evidence.url ? <a className="underline" href={h.evidence.url} target="_blank" rel="noreferrer">{h.evidence.snippet}</a> : h.evidence.snippet}
                  <span className="ml-2 text-xs text-slate-500"><Time value={h.occurredAt} /> · {h.semanticRank ? `meaning #${h.semanticRank}` : ""}{h.semanticRank && h.keywordRank ? " · " : ""}{h.keywordRank ? `words #${h.keywordRank}` : ""}</span>
                </li>
              ))}
            </ol>
          )}
        </section>
      ) : null}
      <section aria-labelledby="feed-heading">
        <div className="flex flex-wrap items-end justify-between gap-2">
          <h2 id="feed-heading" className="text-lg font-semibold">Conversation feed</h2>
          <Form method="get" className="flex items-center gap-2 text-sm">
            {q ? <input type="hidden" name="q" value={q} /> : null}
            <label htmlFor="label-filter">Show</label>
            <select id="label-filter" name="label" defaultValue={label} className="rounded border border-slate-300 px-2 py-1" onChange={(e) => e.currentTarget.form?.requestSubmit()}>
              <option value="">All messages</option>
              {LABEL_KEYS.map((k) => <option key={k} value={k}>{MESSAGE_LABELS[k]!.label}s</option>)}
            </select>
            <noscript><button className="underline">Apply</button></noscript>
          </Form>
        </div>
        <p className="mt-1 text-xs text-slate-500" data-engine>
          Messages are read by {engine.llm ? `the language model (${engine.llmModel}), with the local model as fallback` : "the local model (no language model configured)"}
          {engine.workspaceModel ? <>; the local model has learned from {engine.workspaceModel.corrections} correction{engine.workspaceModel.corrections === 1 ? "" : "s"} made here{metrics?.heldBack ? ` (on corrections it did not learn from: ${Math.round((metrics.retrainedAgreement ?? 0) * 100)}% right, ${Math.round((metrics.baseAgreement ?? 0) * 100)}% before)` : ""}</> : null}.
          {project.canMutate ? " Correct a label where it is wrong: it counts at once and teaches the model." : ""}
        </p>
        {feed.items.length === 0 ? <div className="mt-2"><EmptyState title={label ? "No message carries this label" : "No messages yet"}>{label ? "Choose another label or all messages." : "Messages appear after the first Chatwoot sync."}</EmptyState></div> : (
          <ol className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
            {feed.items.map((m) => <MessageRow key={m.id} m={m} canCorrect={project.canMutate} />)}
          </ol>
        )}
        {feed.nextBefore ? <Link className="mt-2 inline-block text-sm underline" to={`?${new URLSearchParams({ ...(q ? { q } : {}), ...(label ? { label } : {}), before: new Date(feed.nextBefore).toISOString() })}`}>Older messages</Link> : null}
      </section>
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
