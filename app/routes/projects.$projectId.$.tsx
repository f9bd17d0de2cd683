import { json, type MetaFunction } from "@remix-run/node";
import { useParams } from "@remix-run/react";
import { NotFoundMessage } from "~/components/NotFound.tsx";

// An unknown page inside a project (/projects/<id>/nope): "page not found" with status 404, inside the
// project's navigation. The project layout's loader has already checked the membership.

export const meta: MetaFunction = () => [{ title: "Page not found · Control Tower" }];
export const loader = () => json(null, { status: 404 });
export const action = () => json(null, { status: 404 });

export default function ProjectNotFound() {
  const { projectId } = useParams();
  return <NotFoundMessage projectId={projectId} />;
}
