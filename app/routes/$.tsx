import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AppShell } from "~/components/AppShell.tsx";
import { NotFoundMessage } from "~/components/NotFound.tsx";

// Any address no other route matches: a "page not found" page with status 404 (inside the app shell
// when signed in), instead of the router's "No route matches URL" error.

export const meta: MetaFunction = () => [{ title: "Page not found · Control Tower" }];

export async function loader({ context }: LoaderFunctionArgs) {
  if (context.auth) {
    try {
      const me = await context.caller.auth.me();
      return json({ user: me.user, projects: me.projects }, { status: 404 });
    } catch {
      // A session that just ended: the page without the shell.
    }
  }
  return json({ user: null, projects: [] }, { status: 404 });
}

// A form posted to an unknown address gets the same page, not a "no action" error.
export const action = () => json(null, { status: 404 });

export default function NotFoundPage() {
  const { user, projects } = useLoaderData<typeof loader>();
  if (!user) return <main id="main" className="px-4"><NotFoundMessage /></main>;
  return (
    <AppShell user={user} projects={projects}>
      <main id="main" className="mx-auto max-w-7xl p-4"><NotFoundMessage /></main>
    </AppShell>
  );
}
