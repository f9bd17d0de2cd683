import type { Db } from "../../db.ts";
import { randomToken, sha256Hex } from "./crypto.ts";

/**
 * Sessions are stored under a SHA-256 of the id the cookie carries: a copy of the table (a backup,
 * a read replica, a leaked dump) holds no usable session. `SessionAuth.sessionId` is that row key.
 */
const rowKey = (cookieId: string) => sha256Hex(cookieId);

export type AuthUser = { id: string; email: string; name: string; workspaceId: string };

export type SessionAuth = { kind: "session"; /** The stored key (a hash of the cookie's id). */ sessionId: string; user: AuthUser; activeProjectId: string | null; expiresAt: Date };

// Sliding expiry without a write on every request: last_seen_at / expires_at move at most once a
// minute per session.
const TOUCH_AFTER_MS = 60_000;

export async function createSession(
  db: Db,
  input: { userId: string; ttlHours: number; now: Date; ip?: string; userAgent?: string },
): Promise<{ id: string; expiresAt: Date }> {
  const id = randomToken(32);
  const expiresAt = new Date(input.now.getTime() + input.ttlHours * 3600_000);
  await db.session.create({
    data: { id: rowKey(id), userId: input.userId, expiresAt, createdAt: input.now, lastSeenAt: input.now, ip: input.ip, userAgent: input.userAgent?.slice(0, 500) },
  });
  return { id, expiresAt };
}

/** The live session for a cookie's id, or null when unknown, expired or the user is disabled. */
export async function resolveSession(db: Db, cookieId: string, now: Date, ttlHours: number): Promise<SessionAuth | null> {
  const sessionId = rowKey(cookieId);
  const session = await db.session.findUnique({ where: { id: sessionId }, include: { user: true } });
  if (!session || session.user.disabledAt) return null;
  if (session.expiresAt <= now) {
    await db.session.deleteMany({ where: { id: sessionId } });
    return null;
  }
  let expiresAt = session.expiresAt;
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
    expiresAt = new Date(now.getTime() + ttlHours * 3600_000);
    await db.session.updateMany({ where: { id: sessionId }, data: { lastSeenAt: now, expiresAt } });
  }
  const { user } = session;
  return {
    kind: "session",
    sessionId,
    activeProjectId: session.activeProjectId,
    expiresAt,
    user: { id: user.id, email: user.email, name: user.name, workspaceId: user.workspaceId },
  };
}

/** Ends a session by its stored key (`SessionAuth.sessionId`). */
export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.session.deleteMany({ where: { id: sessionId } });
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<number> {
  const res = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
  return res.count;
}
