import type { Request, Response } from "express";
import { sign, unsign } from "../services/auth/crypto.ts";

export const SESSION_COOKIE = "ct_session";

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (!k) continue;
    // Another app on the same host can set any cookie: one that does not decode is ignored, never a 500.
    try {
      out[k] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      continue;
    }
  }
  return out;
}

export function readSessionId(req: Request, secret: string): string | null {
  const raw = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  return raw ? unsign(raw, secret) : null;
}

export function setSessionCookie(res: Response, input: { sessionId: string; expiresAt: Date; secret: string; secure: boolean }): void {
  res.append(
    "Set-Cookie",
    `${SESSION_COOKIE}=${encodeURIComponent(sign(input.sessionId, input.secret))}; Path=/; HttpOnly; SameSite=Lax; Expires=${input.expiresAt.toUTCString()}${input.secure ? "; Secure" : ""}`,
  );
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append("Set-Cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT${secure ? "; Secure" : ""}`);
}
