import type { Db } from "../../db.ts";
import { RateLimitedError, UnauthorizedError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { dummyPasswordHash, verifyPassword } from "./passwords.ts";
import { createSession, type AuthUser } from "./sessions.ts";

export type LoginPolicy = { maxFailures: number; windowSeconds: number; sessionTtlHours: number };

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Password login. Failures are counted in the database per email and per IP (so the limit holds
 * across web processes); past the limit every attempt is refused without checking the password.
 */
export async function login(
  db: Db,
  input: { email: string; password: string; ip: string; userAgent?: string; now: Date; requestId?: string },
  policy: LoginPolicy,
): Promise<{ sessionId: string; expiresAt: Date; user: AuthUser }> {
  const email = normalizeEmail(input.email);
  const since = new Date(input.now.getTime() - policy.windowSeconds * 1000);
  const [byEmail, byIp] = await Promise.all([
    db.loginAttempt.count({ where: { email, succeeded: false, createdAt: { gt: since } } }),
    // An IP gets a wider budget than one account: several users may share an office NAT.
    db.loginAttempt.count({ where: { ip: input.ip, succeeded: false, createdAt: { gt: since } } }),
  ]);
  if (byEmail >= policy.maxFailures || byIp >= policy.maxFailures * 5) {
    throw new RateLimitedError("Too many failed logins. Try again later.", policy.windowSeconds);
  }

  const user = await db.user.findUnique({ where: { email } });
  const ok = user && !user.disabledAt ? await verifyPassword(user.passwordHash, input.password) : (await verifyPassword(await dummyPasswordHash(), input.password), false);
  await db.loginAttempt.create({ data: { email, ip: input.ip, succeeded: Boolean(ok), createdAt: input.now } });
  if (!ok || !user) {
    if (user) {
      await recordAudit(db, { actor: { type: "user", userId: user.id, workspaceId: user.workspaceId }, action: "auth.login_failed", entityType: "user", entityId: user.id, status: "failed", requestId: input.requestId, payload: { ip: input.ip } });
    }
    throw new UnauthorizedError("Invalid email or password");
  }
  const session = await createSession(db, { userId: user.id, ttlHours: policy.sessionTtlHours, now: input.now, ip: input.ip, userAgent: input.userAgent });
  await recordAudit(db, { actor: { type: "user", userId: user.id, workspaceId: user.workspaceId }, action: "auth.login", entityType: "user", entityId: user.id, requestId: input.requestId, payload: { ip: input.ip } });
  return { sessionId: session.id, expiresAt: session.expiresAt, user: { id: user.id, email: user.email, name: user.name, workspaceId: user.workspaceId } };
}
