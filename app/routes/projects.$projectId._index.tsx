import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState, Time } from "~/components/AppShell.tsx";
import { load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const [members, scheduled, events] = await Promise.all([
    load(request, () => caller.projects.members({ projectId })),
    load(request, () => caller.jobs.scheduled({ projectId })),
    load(request, () => caller.events.list({ projectId, category: "domain", limit: 5 })),
  ]);
  return { members, scheduled, events: events.items };
}

export default function ProjectDashboard() {
  const project = useProject();
  const { members, scheduled, events } = useLoaderData<typeof loader>();
  const failing = scheduled.filter((j) => j.lastStatus === "failed");
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">{project.name}</h1>
        <p className="text-sm text-slate-600">Your role: {project.role}</p>
      </div>
      <section aria-labelledby="health-heading" className="grid gap-4 md:grid-cols-3">
        <h2 id="health-heading" className="sr-only">Project health</h2>
        <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
          <h3 className="text-sm font-semibold text-slate-700">Health and risk</h3>
          <p className="mt-2 text-sm text-slate-600">Scores appear once connectors have synced this project's conversations, issues and deals.</p>
        </div>
        <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
          <h3 className="text-sm font-semibold text-slate-700">Background jobs</h3>
          <p className="mt-2 text-3xl font-bold">{scheduled.length}</p>
          <p className="text-sm text-slate-600">{failing.length ? `${failing.length} failing` : "none failing"} · <Link className="underline" to="jobs">Operations</Link></p>
        </div>
        <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
          <h3 className="text-sm font-semibold text-slate-700">Team</h3>
          <ul className="mt-2 space-y-1 text-sm">{members.map((m) => <li key={m.userId}>{m.name} <span className="text-slate-500">· {m.role}</span></li>)}</ul>
        </div>
      </section>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading" className="text-lg font-semibold">Latest activity</h2>
        {events.length === 0 ? (
          <div className="mt-2"><EmptyState title="No activity yet">Messages, issues and deals show up here after the first connector sync.</EmptyState></div>
        ) : (
          <ul className="mt-2 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200">
            {events.map((e) => <li key={e.id} className="p-3 text-sm"><span className="font-medium">{e.eventType}</span> · <Time value={e.occurredAt} /></li>)}
          </ul>
        )}
      </section>
    </div>
  );
}
