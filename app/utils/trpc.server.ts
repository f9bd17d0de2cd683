import { redirect, type AppLoadContext } from "@remix-run/node";

// The bridge from Remix routes to the domain: loaders and actions call tRPC procedures through the
// server-side caller that server/http/app.ts puts on the load context.

type TrpcLikeError = { name: string; code: string; message: string; cause?: { issues?: { path: PropertyKey[]; message: string }[]; retryAfterSeconds?: number } };
const isTrpcError = (e: unknown): e is TrpcLikeError => typeof e === "object" && e !== null && (e as { name?: string }).name === "TRPCError";

/** To the login page, back here afterwards; `expired` says why the user has to sign in again. */
export function loginRedirect(request: Request, expired = false): never {
  const url = new URL(request.url);
  // After a form post the page to come back to is the one the form was on.
  let referer = url;
  try {
    referer = new URL(request.headers.get("referer") ?? url.href, url);
  } catch {
    // an unreadable Referer: come back to this page
  }
  const back = request.method === "GET" ? url.pathname + url.search : safeRedirect(referer.pathname, url.pathname);
  const params = new URLSearchParams();
  if (back && back !== "/") params.set("redirectTo", back);
  if (expired) params.set("expired", "1");
  throw redirect(`/login${params.size ? `?${params}` : ""}`);
}

/** The signed-in user's caller; anonymous visitors (and expired sessions) go to the login page. */
export function requireCaller(context: AppLoadContext, request: Request) {
  if (!context.auth) loginRedirect(request, context.sessionExpired);
  return context.caller;
}

const STATUS: Record<string, number> = { NOT_FOUND: 404, FORBIDDEN: 403, BAD_REQUEST: 400, CONFLICT: 409, TOO_MANY_REQUESTS: 429 };

/** For loaders: turns tRPC errors into the matching HTTP response (404 page for foreign projects). */
export async function load<T>(request: Request, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isTrpcError(e)) {
      if (e.code === "UNAUTHORIZED") loginRedirect(request, true);
      const status = STATUS[e.code];
      if (status) throw new Response(e.message, { status });
    }
    throw internalError(e);
  }
}

/**
 * An unexpected error becomes a generic 500 page: the detail (database errors, file paths) is logged
 * by entry.server's handleError, never shown. Redirects and responses pass through.
 */
function internalError(e: unknown): unknown {
  if (e instanceof Response) return e;
  console.error(e);
  return new Response("Something went wrong on our side. It has been logged; please try again.", { status: 500 });
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: string; fieldErrors: Record<string, string>; retryAfterSeconds?: number };

/** For actions: a tRPC error becomes a message (and per-field messages) the form can show. */
export async function act<T>(request: Request, fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (e) {
    if (e instanceof Response) throw e;
    if (!isTrpcError(e) || e.code === "INTERNAL_SERVER_ERROR") throw internalError(e);
    if (e.code === "UNAUTHORIZED" && !request.url.includes("/login")) loginRedirect(request, true);
    if (e.code === "NOT_FOUND") throw new Response(e.message, { status: 404 });
    // The UI hides what a role may not do; a forged request gets a real 403, not a message.
    if (e.code === "FORBIDDEN") throw new Response(e.message, { status: 403 });
    const fieldErrors: Record<string, string> = {};
    for (const issue of e.cause?.issues ?? []) fieldErrors[issue.path.map(String).join(".")] = issue.message;
    const retryAfterSeconds = e.code === "TOO_MANY_REQUESTS" ? e.cause?.retryAfterSeconds : undefined;
    return { ok: false, error: Object.keys(fieldErrors).length ? "Please fix the highlighted fields." : e.message, fieldErrors, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) };
  }
}

const LOCAL_ORIGIN = "http://local.invalid";

/**
 * Only same-site paths are followed after login. The target is parsed as a browser would parse a
 * Location header; control characters and backslashes are refused outright because browsers strip
 * or reinterpret them ("/\t/evil.example" becomes "//evil.example").
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/projects"): string {
  if (typeof to !== "string" || to.length > 2_000 || !to.startsWith("/") || to.startsWith("//")) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, LOCAL_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== LOCAL_ORIGIN) return fallback;
  const out = url.pathname + url.search + url.hash;
  return out.startsWith("//") ? fallback : out;
}
