import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/AppShell.tsx";

// Surfaces whose data pipelines are not built yet. They say so plainly instead of showing
// invented numbers.
const UPCOMING: Record<string, { title: string; needs: string }> = {
  digests: { title: "Digests", needs: "the daily and weekly digest jobs" },
};

export function loader({ params }: LoaderFunctionArgs) {
  const section = UPCOMING[params.section ?? ""];
  if (!section) throw new Response("Page not found", { status: 404 });
  return section;
}

export default function UpcomingSection() {
  const { title, needs } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{title}</h1>
      <EmptyState title="Not available yet">This page fills in once {needs} is running for this project.</EmptyState>
    </div>
  );
}
