import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../../tests/helpers/db.ts";
import { PASSWORD, seedFixture, type Fixture } from "../../../tests/helpers/fixtures.ts";
import { RateLimitedError, UnauthorizedError } from "../../errors.ts";
import { sha256Hex, sign, unsign } from "./crypto.ts";
import { login } from "./login.ts";
import { resolveSession } from "./sessions.ts";
import { createApiToken, resolveApiToken, revokeApiToken } from "./tokens.ts";

let db: TestDb;
let fx: Fixture;
const policy = { maxFailures: 3, windowSeconds: 900, sessionTtlHours: 1 };

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
});
afterAll(() => db.drop());

describe("password login", () => {
  it("creates a session for the right password, case-insensitively on email", async () => {
    const now = new Date("2026-11-01T10:00:00Z");
    const res = await login(db.prisma, { email: fx.pm.email.toUpperCase(), password: PASSWORD, ip: "10.0.0.1", now }, policy);
    expect(res.user.id).toBe(fx.pm.id);
    const stored = await db.prisma.user.findUniqueOrThrow({ where: { id: fx.pm.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await resolveSession(db.prisma, res.sessionId, now, 1)).toMatchObject({ user: { id: fx.pm.id } });
    // The table holds only a hash of the id the cookie carries: a copy of it opens no session.
    const rows = await db.prisma.session.findMany({ where: { userId: fx.pm.id } });
    expect(rows.map((r) => r.id)).toEqual([sha256Hex(res.sessionId)]);
    expect(await resolveSession(db.prisma, rows[0]!.id, now, 1)).toBeNull();
    const audit = await db.prisma.auditEvent.findFirst({ where: { action: "auth.login", actorUserId: fx.pm.id } });
    expect(audit).not.toBeNull();
  });

  it("rejects a wrong password and an unknown email the same way", async () => {
    const now = new Date();
    await expect(login(db.prisma, { email: fx.viewer.email, password: "nope", ip: "10.0.0.2", now }, policy)).rejects.toThrow(UnauthorizedError);
    await expect(login(db.prisma, { email: "ghost@example.test", password: "nope", ip: "10.0.0.2", now }, policy)).rejects.toThrow("Invalid email or password");
  });

  it("parallel guesses from one address (a tRPC batch, many connections) each count: only the free ones reach the password check", async () => {
    const now = new Date("2026-11-06T10:00:00Z");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      login(db.prisma, { email: fx.owner.email, password: `guess-${i}`, ip: "2001:db8:1:2::42", now }, policy).catch((e: unknown) => e)));
    expect(results.filter((r) => r instanceof UnauthorizedError).length).toBe(policy.maxFailures);
    expect(results.filter((r) => r instanceof RateLimitedError).length).toBe(20 - policy.maxFailures);
    // Another address of the same IPv6 /56 is the same address here.
    await expect(login(db.prisma, { email: fx.owner.email, password: "again", ip: "2001:db8:1:2:ffff::1", now }, policy)).rejects.toThrow(RateLimitedError);
  });

  it("slows an attacker's address exponentially, even with the right password, without locking the owner out elsewhere", async () => {
    const t0 = new Date("2026-11-05T10:00:00Z");
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const attacker = "203.0.113.7";
    // Three free failures, then each attempt must wait 1 s, 2 s, 4 s … after the last failure.
    for (let i = 0; i < 3; i++) await expect(login(db.prisma, { email: fx.owner.email, password: "bad", ip: attacker, now: at(i) }, policy)).rejects.toThrow(UnauthorizedError);
    const throttled = await login(db.prisma, { email: fx.owner.email, password: PASSWORD, ip: attacker, now: at(10) }, policy).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(RateLimitedError);
    expect((throttled as RateLimitedError).retryAfterSeconds).toBe(1);
    await expect(login(db.prisma, { email: fx.owner.email, password: "bad", ip: attacker, now: at(1_100) }, policy)).rejects.toThrow(UnauthorizedError);
    await expect(login(db.prisma, { email: fx.owner.email, password: "bad", ip: attacker, now: at(2_000) }, policy)).rejects.toThrow(RateLimitedError);
    await expect(login(db.prisma, { email: fx.owner.email, password: "bad", ip: attacker, now: at(3_200) }, policy)).rejects.toThrow(UnauthorizedError);
    // 1,000 more tries over the next 50 s: the doubling delays let only a handful reach the password check.
    let checked = 0;
    for (let i = 0; i < 1_000; i++) {
      const e = await login(db.prisma, { email: fx.owner.email, password: "bad", ip: attacker, now: at(3_300 + i * 50) }, policy).catch((x: unknown) => x);
      if (e instanceof UnauthorizedError) checked++;
      else expect(e).toBeInstanceOf(RateLimitedError);
    }
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(4);
    // The owner, from their own address, signs in at once.
    await expect(login(db.prisma, { email: fx.owner.email, password: PASSWORD, ip: "198.51.100.20", now: at(60_000) }, policy)).resolves.toHaveProperty("sessionId");
  });
});

describe("sessions", () => {
  it("expire after their TTL and are deleted when seen expired", async () => {
    const now = new Date("2026-11-01T10:00:00Z");
    const res = await login(db.prisma, { email: fx.viewer.email, password: PASSWORD, ip: "10.2.0.1", now }, policy);
    expect(await resolveSession(db.prisma, res.sessionId, new Date(now.getTime() + 59 * 60_000), 1)).not.toBeNull();
    const expiredAt = new Date(res.expiresAt.getTime() + 1000);
    // The 59-minute visit slid the expiry forward by one TTL.
    expect(await resolveSession(db.prisma, res.sessionId, new Date(now.getTime() + 2 * 3600_000 + 1000), 1)).toBeNull();
    expect(await db.prisma.session.findUnique({ where: { id: sha256Hex(res.sessionId) } })).toBeNull();
    expect(expiredAt.getTime()).toBeGreaterThan(now.getTime());
  });

  it("refuse a disabled user", async () => {
    const now = new Date();
    const res = await login(db.prisma, { email: fx.outsider.email, password: PASSWORD, ip: "10.3.0.1", now }, policy);
    await db.prisma.user.update({ where: { id: fx.outsider.id }, data: { disabledAt: now } });
    expect(await resolveSession(db.prisma, res.sessionId, now, 1)).toBeNull();
    await db.prisma.user.update({ where: { id: fx.outsider.id }, data: { disabledAt: null } });
  });

  it("cookie signatures reject tampering", () => {
    const signed = sign("abc", "secret-1");
    expect(unsign(signed, "secret-1")).toBe("abc");
    expect(unsign(signed, "secret-2")).toBeNull();
    expect(unsign(signed.replace("abc", "abd"), "secret-1")).toBeNull();
    expect(unsign("no-dot", "secret-1")).toBeNull();
  });
});

describe("API tokens", () => {
  it("are stored hashed, resolve until revoked or expired", async () => {
    const now = new Date();
    const { token, apiToken } = await createApiToken(db.prisma, { userId: fx.pm.id, name: "ci" });
    const row = await db.prisma.apiToken.findUniqueOrThrow({ where: { id: apiToken.id } });
    expect(row.tokenHash).not.toContain(token);
    expect(row.tokenHash).toHaveLength(64);
    expect(await resolveApiToken(db.prisma, token, now)).toMatchObject({ user: { id: fx.pm.id } });
    expect(await resolveApiToken(db.prisma, token + "x", now)).toBeNull();
    await revokeApiToken(db.prisma, { userId: fx.pm.id, tokenId: apiToken.id, now });
    expect(await resolveApiToken(db.prisma, token, now)).toBeNull();

    const short = await createApiToken(db.prisma, { userId: fx.pm.id, name: "short", expiresAt: new Date(now.getTime() + 1000) });
    expect(await resolveApiToken(db.prisma, short.token, now)).not.toBeNull();
    expect(await resolveApiToken(db.prisma, short.token, new Date(now.getTime() + 2000))).toBeNull();
  });

  it("cannot be revoked by another user", async () => {
    const { apiToken } = await createApiToken(db.prisma, { userId: fx.pm.id, name: "mine" });
    await expect(revokeApiToken(db.prisma, { userId: fx.viewer.id, tokenId: apiToken.id, now: new Date() })).rejects.toThrow("API token not found");
  });
});
