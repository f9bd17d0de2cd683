import type { NextFunction, Request, Response } from "express";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import { resolveSession } from "../services/auth/sessions.ts";
import { resolveApiToken } from "../services/auth/tokens.ts";
import type { Auth } from "../trpc/context.ts";
import { clearSessionCookie, readSessionId } from "./cookies.ts";

declare module "express-serve-static-core" {
  interface Request {
    auth: Auth;
    authVia: "session" | "token" | "none";
    /** A session cookie came with the request but its session has expired or was revoked. */
    sessionExpired: boolean;
    requestId: string;
  }
}

/**
 * Resolves `Authorization: Bearer <api token>` or the session cookie into req.auth. A bad bearer
 * token is refused outright (401) rather than silently falling back to the cookie.
 */
export function authMiddleware(db: Db, env: Env) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      req.auth = null;
      req.authVia = "none";
      req.sessionExpired = false;
      const header = req.headers.authorization;
      if (header) {
        const m = /^Bearer\s+(\S+)$/i.exec(header);
        const auth = m ? await resolveApiToken(db, m[1]!, new Date()) : null;
        if (!auth) {
          res.status(401).json({ ok: false, error: "invalid_token", message: "The API token is invalid, expired or revoked", request_id: req.requestId });
          return;
        }
        req.auth = auth;
        req.authVia = "token";
        return next();
      }
      const sessionId = readSessionId(req, env.SESSION_SECRET);
      if (sessionId) {
        const auth = await resolveSession(db, sessionId, new Date(), env.SESSION_TTL_HOURS);
        if (auth) {
          req.auth = auth;
          req.authVia = "session";
        } else {
          req.sessionExpired = true;
          clearSessionCookie(res, env.NODE_ENV === "production");
        }
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence for browser requests: every state-changing request not authenticated by a bearer
 * token must carry an Origin (or Referer) of this site. SameSite=Lax cookies already stop most
 * cross-site posts; this also covers same-site subdomains and old browsers.
 */
export function originCheck(env: Env) {
  const extra = [env.PUBLIC_URL, ...env.CORS_ORIGIN.split(",")].map((o) => o?.trim()).filter(Boolean).map((o) => new URL(o!).origin);
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE.has(req.method) || req.authVia === "token") return next();
    const allowed = new Set([...extra, `${req.protocol}://${req.get("host")}`]);
    const origin = req.get("origin") ?? (req.get("referer") ? safeOrigin(req.get("referer")!) : undefined);
    if (origin && allowed.has(origin)) return next();
    res.status(403).json({
      ok: false,
      error: "csrf_origin_mismatch",
      message: origin ? `Cross-origin request from ${origin} refused` : "Missing Origin header on a state-changing request",
      request_id: req.requestId,
    });
  };
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
