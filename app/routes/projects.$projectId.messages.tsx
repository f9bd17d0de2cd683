import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { load, requireCaller } from "~/utils/trpc.server.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const url = new URL(request.url);
  const q = (url.searchParams.get("q") ?? "").slice(0, 500);
  const before = url.searchParams.get("before") ?? undefined;
  const [results, feed] = await Promise.all([
    load(request, () => caller.search.query({ projectId, q, limit: 20 })),
    load(request, () => caller.search.messages({ projectId, before: before ? new Date(before) : undefined, limit: 50 })),
  ]);
  return { q, results, feed };
}

const MODEL_NOTE: Record<string, string> = { "local-trigram-v1": "local deterministic embedder (no OpenAI key configured)" };

export default function MessagesAndSearch() {
  const { q, results, feed } = useLoaderData<typeof loader>();
  const nav = useNavigation();
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
        <h2 id="feed-heading" className="text-lg font-semibold">Conversation feed</h2>
        {feed.items.length === 0 ? <div className="mt-2"><EmptyState title="No messages yet">Messages appear after the first Chatwoot sync.</EmptyState></div> : (
          <ol className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
            {feed.items.map((m) => (
              <li key={m.id} className="p-3 text-sm">
                <span className={`mr-2 rounded px-1.5 py-0.5 text-xs ${m.from_client ? "bg-sky-100 text-sky-800" : "bg-slate-100 text-slate-700"}`}>{m.from_client ? "client" : "team"}</span>
                {m.url ? <a className="underline" href={m.url} target="_blank" rel="noreferrer">{m.content}</a> : m.content}
                <span className="ml-2 text-xs text-slate-500">conversation {m.conversation} · <Time value={m.at} /></span>
              </li>
            ))}
          </ol>
        )}
        {feed.nextBefore ? <Link className="mt-2 inline-block text-sm underline" to={`?${new URLSearchParams({ ...(q ? { q } : {}), before: new Date(feed.nextBefore).toISOString() })}`}>Older messages</Link> : null}
      </section>
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
