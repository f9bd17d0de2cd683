import { Link } from "@remix-run/react";

/** The body of the "page not found" page: what happened and the way back. */
export function NotFoundMessage({ projectId }: { projectId?: string }) {
  return (
    <div className="mx-auto max-w-xl py-10" data-not-found>
      <p className="text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-2xl font-bold">Page not found</h1>
      <p className="mt-2 text-slate-600">There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <div className="mt-6 flex flex-wrap gap-4">
        {projectId ? <Link to={`/projects/${projectId}`} className="text-indigo-700 underline">Back to the project dashboard</Link> : null}
        <Link to="/projects" className="text-indigo-700 underline">Back to your projects</Link>
      </div>
    </div>
  );
}
