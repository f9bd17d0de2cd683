import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { load, requireCaller } from "~/utils/trpc.server.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const url = new URL(request.url);
  const category = url.searchParams.get("category");
  const cursor = url.searchParams.get("cursor") ?? undefined;
  const page = await load(request, () =>
    caller.events.list({ projectId: params.projectId!, category: category === "domain" || category === "process" ? category : undefined, cursor, limit: 50 }),
  );
  return page;
}

export default function EventsPage() {
  const { items, nextCursor } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const category = params.get("category") ?? "";
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Signals & events</h1>
      <Form method="get" className="flex items-end gap-2">
        <div>
          <label htmlFor="category" className="block text-sm font-medium">Show</label>
          <select id="category" name="category" defaultValue={category} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm">
            <option value="">All events</option><option value="domain">Domain events</option><option value="process">Process events</option>
          </select>
        </div>
        <button type="submit" className="rounded-md px-3 py-1 text-sm ring-1 ring-slate-300">Filter</button>
      </Form>
      {items.length === 0 ? <EmptyState title="No events">Nothing has been recorded for this filter yet.</EmptyState> : (
        <ol className="divide-y divide-slate-100 rounded-lg bg-white text-sm ring-1 ring-slate-200">
          {items.map((e) => (
            <li key={e.id} className="flex flex-wrap gap-3 p-2">
              <span className={`rounded px-2 py-0.5 text-xs ${e.category === "process" ? "bg-slate-100" : "bg-indigo-50 text-indigo-800"}`}>{e.category}</span>
              <span className="font-medium">{e.eventType}</span>
              <span className="text-slate-600"><Time value={e.occurredAt} /> · {e.source}</span>
              <span className="truncate font-mono text-xs text-slate-500">{JSON.stringify(e.payload).slice(0, 160)}</span>
            </li>
          ))}
        </ol>
      )}
      {nextCursor ? <Link className="text-sm underline" to={`?${new URLSearchParams({ ...(category ? { category } : {}), cursor: nextCursor })}`}>Older events</Link> : null}
    </div>
  );
}
