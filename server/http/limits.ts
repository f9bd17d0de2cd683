import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type { Env } from "../env.ts";

// Load bounds at the door: per-principal request rates (tiered: sign-in strictest, then changes,
// then reads), form bodies that must be forms and small, and the headers every page carries.
// Counters live in each web process's memory: N processes allow N × the rate (docs/security.md).

/** Who a request counts against: its API token, else its session, else its address. */
function principal(req: Request): string {
  if (req.auth?.kind === "token") return `token:${req.auth.tokenId}`;
  if (req.auth?.kind === "session") return `session:${req.auth.sessionId}`;
  return `ip:${ipKeyGenerator(req.ip ?? "unknown")}`;
}

function limiter(name: string, limit: number, key: (req: Request) => string, skip?: (req: Request) => boolean): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-7",
    legacyHeaders: false,
    keyGenerator: key,
    skip,
    handler: (req, res, _next, options) => {
      const resetMs = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime();
      const retryAfter = Math.max(1, Math.ceil(((resetMs ?? Date.now() + options.windowMs) - Date.now()) / 1000));
      res.setHeader("Retry-After", String(retryAfter));
      res.status(429).json({ ok: false, error: "rate_limited", message: `Too many ${name} requests; try again in ${retryAfter} s`, request_id: req.requestId });
    },
  });
}

/**
 * The tRPC procedures a request calls (one, or a batch "a,b"): Express mounts match any case and
 * the tRPC adapter reads the name after the last slash, so this reads it the same way.
 */
export function trpcCalls(req: Request): string[] | null {
  const path = pathOf(req);
  if (!path.toLowerCase().startsWith("/api/trpc/")) return null;
  return path.slice(path.lastIndexOf("/") + 1).split(",");
}

/** The request's full path (mount prefix included), without the query. */
const pathOf = (req: Request) => req.originalUrl.split("?")[0]!;

/**
 * A sign-in attempt, however it is addressed: the page (any case, a trailing slash, Remix's
 * `/login.data` single-fetch posts) or the tRPC procedure, alone or in a batch.
 */
export function isSignIn(req: Request): boolean {
  if (!isWrite(req)) return false;
  const page = pathOf(req).toLowerCase().replace(/\/+$/, "").replace(/\.data$/, "");
  if (page === "/login") return true;
  return trpcCalls(req)?.includes("auth.login") ?? false;
}

const isWrite = (req: Request) => !["GET", "HEAD", "OPTIONS"].includes(req.method);
const isStatic = (req: Request) => req.path.startsWith("/build/") || req.path === "/favicon.svg";

/** Sign-in per address; changes and reads per token/session/address. */
export function rateLimits(env: Env): RequestHandler[] {
  return [
    limiter("sign-in", env.AUTH_RATE_LIMIT_PER_MINUTE, (req) => `ip:${ipKeyGenerator(req.ip ?? "unknown")}`, (req) => !isSignIn(req)),
    limiter("write", env.API_RATE_LIMIT_WRITES_PER_MINUTE, principal, (req) => !isWrite(req) || isSignIn(req)),
    limiter("read", env.API_RATE_LIMIT_READS_PER_MINUTE, principal, (req) => isWrite(req) || isStatic(req)),
  ];
}

/** Sign-in is one attempt per request: a batch holding it is refused (it would multiply the guesses a limit allows). */
export function noSignInBatches(req: Request, res: Response, next: NextFunction) {
  const calls = trpcCalls(req);
  if (calls && calls.length > 1 && calls.includes("auth.login")) {
    res.status(400).json({ ok: false, error: "bad_request", message: "auth.login cannot be batched", request_id: req.requestId });
    return;
  }
  next();
}

/**
 * Requests that present an API token, counted per address before the token is looked up: a flood of
 * made-up tokens costs a database lookup each and would otherwise never meet a limit.
 */
export function tokenAttemptLimit(env: Env): RequestHandler {
  return limiter("API token", env.API_RATE_LIMIT_READS_PER_MINUTE, (req) => `bearer:${ipKeyGenerator(req.ip ?? "unknown")}`, (req) => !req.headers.authorization);
}

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;
export const MAX_FORM_BYTES = 64 * 1024;

/**
 * Pages take forms only: a state-changing request without a form body is a 400 before it reaches a
 * route action (which would otherwise fail reading it), and a form over 64 KB is a 413.
 */
export function formGuard(req: Request, res: Response, next: NextFunction) {
  if (!isWrite(req)) return next();
  const refuse = (status: number, error: string, message: string) => res.status(status).json({ ok: false, error, message, request_id: req.requestId });
  if (!FORM_TYPES.test(req.get("content-type") ?? "")) return refuse(400, "bad_request", "Send a form (application/x-www-form-urlencoded or multipart/form-data)");
  const length = req.get("content-length");
  if (length === undefined) return refuse(411, "length_required", "Send the form with a Content-Length");
  if (!/^\d{1,12}$/.test(length) || Number(length) > MAX_FORM_BYTES) return refuse(413, "payload_too_large", `Forms are limited to ${MAX_FORM_BYTES / 1024} KB`);
  next();
}

const PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()";

/** Every answer refuses powerful browser features; signed-in pages are never stored by a cache. */
export function pageHeaders(req: Request, res: Response, next: NextFunction) {
  res.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
  if (req.auth && !isStatic(req)) res.setHeader("Cache-Control", "no-store");
  next();
}
