import { useRouteLoaderData } from "@remix-run/react";

type ProjectLoader = { project: { id: string; name: string; role: "owner" | "pm" | "viewer" } };

/** The current project (from the project layout's loader) and whether the user may change things. */
export function useProject() {
  const data = useRouteLoaderData<ProjectLoader>("routes/projects.$projectId");
  if (!data) throw new Error("useProject must be used inside /projects/:projectId");
  return { ...data.project, canMutate: data.project.role !== "viewer" };
}
