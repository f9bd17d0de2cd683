import { ipKeyGenerator } from "express-rate-limit";
import type { Db } from "../../db.ts";
import { RateLimitedError, UnauthorizedError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { dummyPasswordHash, verifyPassword } from "./passwords.ts";
import { createSession, type AuthUser } from "./sessions.ts";

export type LoginPolicy = { maxFailures: number; windowSeconds: number; sessionTtlHours: number };

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * How long after the last failure the next attempt must wait: nothing for the first `free`
 * failures, then 1 s, 2 s, 4 s … up to the window.
 */
export function throttleDelaySeconds(failures: number, free: number, windowSeconds: number): number {
  return failures < free ? 0 : Math.min(windowSeconds, 2 ** Math.min(30, failures - free));
}

/**
 * Password login. Failures are counted in the database (so the limit holds across web processes)
 * per account *and address* and per address: past a few free attempts each further one waits
 * exponentially longer, without checking the password. An account is never locked for every
 * address — an attacker's failures from one address do not stop its owner signing in from another.
 */
export async function login(
  db: Db,
  input: { email: string; password: string; ip: string; userAgent?: string; now: Date; requestId?: string },
  policy: LoginPolicy,
): Promise<{ sessionId: string; expiresAt: Date; user: AuthUser }> {
  const email = normalizeEmail(input.email);
  // One IPv6 /56 is one address here (one subscriber gets a whole prefix); IPv4-mapped is plain IPv4.
  const address = ipKeyGenerator(input.ip, 56);
  // Attempts from one address are admitted one at a time, and each is recorded as failed before its
  // password is checked: parallel guesses (a tRPC batch, many connections) each see the ones before
  // them instead of all reading the same count.
  const since = new Date(input.now.getTime() - policy.windowSeconds * 1000);
  const failed = { succeeded: false, createdAt: { gt: since } };
  const attemptId = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`login:${address}`}, 0))`;
    const [pair, byIp] = await Promise.all([
      tx.loginAttempt.aggregate({ where: { email, ip: address, ...failed }, _count: { _all: true }, _max: { createdAt: true } }),
      // An address gets a wider budget than one account: several users may share an office NAT.
      tx.loginAttempt.aggregate({ where: { ip: address, ...failed }, _count: { _all: true }, _max: { createdAt: true } }),
    ]);
    const waitMs = Math.max(
      (pair._max.createdAt?.getTime() ?? 0) + throttleDelaySeconds(pair._count._all, policy.maxFailures, policy.windowSeconds) * 1000,
      (byIp._max.createdAt?.getTime() ?? 0) + throttleDelaySeconds(byIp._count._all, policy.maxFailures * 5, policy.windowSeconds) * 1000,
    ) - input.now.getTime();
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new RateLimitedError(`Too many failed sign-ins from this address. Try again in ${seconds} s.`, seconds);
    }
    return (await tx.loginAttempt.create({ data: { email, ip: address, succeeded: false, createdAt: input.now } })).id;
  });

  const user = await db.user.findUnique({ where: { email } });
  const ok = user && !user.disabledAt ? await verifyPassword(user.passwordHash, input.password) : (await verifyPassword(await dummyPasswordHash(), input.password), false);
  if (ok) await db.loginAttempt.update({ where: { id: attemptId }, data: { succeeded: true } });
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
