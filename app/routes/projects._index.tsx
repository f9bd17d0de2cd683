import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AppShell, EmptyState } from "~/components/AppShell.tsx";
import { load, requireCaller } from "~/utils/trpc.server.ts";

export const meta: MetaFunction = () => [{ title: "Projects · Control Tower" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const me = await load(request, () => caller.auth.me());
  return { user: me.user, projects: me.projects, activeProjectId: me.activeProjectId };
}

export default function Projects() {
  const { user, projects, activeProjectId } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user} projects={projects}>
      <main className="mx-auto max-w-7xl p-4">
        <h1 className="text-2xl font-bold">Your projects</h1>
        {projects.length === 0 ? (
          <div className="mt-6"><EmptyState title="No projects yet">Ask a project owner to add you as a member.</EmptyState></div>
        ) : (
          <ul className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {projects.map((p) => (
              <li key={p.id}>
                <Link to={`/projects/${p.id}`} className="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-400">
                  <div className="flex items-center justify-between">
                    <h2 className="font-semibold">{p.name}</h2>
                    <span className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-700">{p.role}</span>
                  </div>
                  <p className="mt-1 text-sm text-slate-600">{p.description || "No description"}</p>
                  {p.id === activeProjectId ? <p className="mt-2 text-xs text-indigo-700">Last opened</p> : null}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </main>
    </AppShell>
  );
}
