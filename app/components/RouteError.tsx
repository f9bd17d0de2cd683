import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

/** What a page shows when its loader or action fails: the status, a readable reason, a way on. */
export function RouteErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : status === 400 ? "That request was not valid" : "Something went wrong";
  const raw = isRouteErrorResponse(error)
    ? typeof error.data === "string" ? error.data : (error.data as { message?: string } | null)?.message ?? error.statusText
    : "An unexpected error happened. It has been logged; reloading the page usually helps.";
  // The router's own messages ("Error: No route matches URL …", "You made a POST request … but did
  // not provide an action") are for developers; people get a plain sentence.
  const detail = /^Error: |No route matches|did not provide an `?action/.test(raw ?? "")
    ? status === 404 ? "There is no page at this address." : status === 405 ? "This page cannot take that request." : "That request was not valid."
    : raw;
  return (
    <div className="mx-auto max-w-xl py-10" role="alert">
      <p className="text-sm font-semibold text-indigo-600">{status}</p>
      <h1 className="mt-2 text-2xl font-bold">{title}</h1>
      <p className="mt-2 text-slate-600">{detail}</p>
      <Link to="/projects" className="mt-6 inline-block text-indigo-700 underline">Back to your projects</Link>
    </div>
  );
}
