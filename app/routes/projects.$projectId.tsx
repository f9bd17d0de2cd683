import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Outlet, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { AppShell, ProjectNav } from "~/components/AppShell.tsx";
import { load, requireCaller } from "~/utils/trpc.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.project.name} · Control Tower` : "Control Tower" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId ?? "";
  // A malformed id or a project the user is not a member of: the same 404.
  if (!/^[0-9a-f-]{36}$/i.test(projectId)) throw new Response("Project not found", { status: 404 });
  const [me, project] = await Promise.all([load(request, () => caller.auth.me()), load(request, () => caller.projects.get({ projectId }))]);
  return { user: me.user, projects: me.projects, project };
}

// A card's "shown" count (one post per recommendation card) changes nothing the layout shows.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) => (formData?.get("intent") === "shown" ? false : defaultShouldRevalidate);

export default function ProjectLayout() {
  const { user, projects, project } = useLoaderData<typeof loader>();
  return (
    <AppShell user={user} projects={projects} current={project}>
      <ProjectNav projectId={project.id} />
      <main id="main" className="mx-auto max-w-7xl p-4">
        <Outlet />
      </main>
    </AppShell>
  );
}
