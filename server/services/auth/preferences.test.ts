import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../../tests/helpers/db.ts";
import { PASSWORD, seedFixture, testEnv, type Fixture } from "../../../tests/helpers/fixtures.ts";
import { callerAs, codeOf, sessionAuth, tokenAuth } from "../../../tests/helpers/callers.ts";
import { startServer } from "../../../tests/helpers/server.ts";
import { canonicalTimeZone, isSupportedCurrency } from "./preferences.ts";

let db: TestDb;
let fx: Fixture;
const env = testEnv();

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
});
afterAll(() => db.drop());

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as { code: string; message: string; cause?: { issues?: { message: string }[] } });

describe("zone and currency checks", () => {
  it("accepts IANA zones and their aliases, canonically", () => {
    expect(canonicalTimeZone("Asia/Tokyo")).toBe("Asia/Tokyo");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    expect(canonicalTimeZone("Etc/UTC")).toBe("UTC");
    expect(canonicalTimeZone("Mars/Olympus")).toBeNull();
    expect(canonicalTimeZone("Europe/Berlin; DROP TABLE users")).toBeNull();
    expect(canonicalTimeZone("")).toBeNull();
  });
  it("accepts ISO 4217 codes Intl knows", () => {
    expect(isSupportedCurrency("EUR")).toBe(true);
    expect(isSupportedCurrency("eur")).toBe(false);
    expect(isSupportedCurrency("XYZ")).toBe(false);
  });
});

describe("preferences procedures", () => {
  it("start as UTC / USD, and only owners may edit the currency", async () => {
    const owner = await callerAs(db, env, sessionAuth(fx.owner)).preferences.get();
    expect(owner).toEqual({ timeZone: null, effectiveTimeZone: "UTC", currency: "USD", canEditCurrency: true });
    expect((await callerAs(db, env, sessionAuth(fx.viewer)).preferences.get()).canEditCurrency).toBe(false);
  });

  it("store the user's zone, audited, and the browser's report never overrides a chosen one", async () => {
    const pm = callerAs(db, env, sessionAuth(fx.pm));
    expect(await pm.preferences.setTimeZone({ timeZone: "Europe/Berlin", source: "browser" })).toEqual({ timeZone: "Europe/Berlin", changed: true });
    expect(await pm.preferences.setTimeZone({ timeZone: "America/New_York", source: "browser" })).toEqual({ timeZone: "Europe/Berlin", changed: false });
    expect(await pm.preferences.setTimeZone({ timeZone: "Asia/Tokyo" })).toEqual({ timeZone: "Asia/Tokyo", changed: true });
    expect((await pm.preferences.get()).effectiveTimeZone).toBe("Asia/Tokyo");
    const audit = await db.prisma.auditEvent.findMany({ where: { action: "user.time_zone_changed", entityId: fx.pm.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.payload)).toEqual([{ from: null, to: "Europe/Berlin", source: "browser" }, { from: "Europe/Berlin", to: "Asia/Tokyo", source: "user" }]);
    expect(audit.every((a) => a.actorUserId === fx.pm.id && a.workspaceId === fx.ws.id)).toBe(true);
  });

  it("refuse an unknown zone with BAD_REQUEST and a readable message", async () => {
    const caller = callerAs(db, env, sessionAuth(fx.viewer));
    for (const timeZone of ["Mars/Olympus", "", "x".repeat(500), "Europe/Berlin/../../x"]) {
      const err = await errorOf(caller.preferences.setTimeZone({ timeZone }));
      expect(err?.code, timeZone).toBe("BAD_REQUEST");
      expect(err?.message).toMatch(/time zone|timeZone/);
    }
    const bad = await errorOf(caller.preferences.setTimeZone({ timeZone: "Mars/Olympus" }));
    expect(bad?.cause?.issues?.map((i) => i.message)).toEqual(['Unknown time zone "Mars/Olympus": use an IANA name such as Europe/Berlin']);
    expect(await codeOf(caller.preferences.setTimeZone({ timeZone: "Asia/Tokyo", source: "robot" as "user" }))).toBe("BAD_REQUEST");
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: fx.viewer.id } })).timeZone).toBeNull();
  });

  it("let an owner change the workspace currency (audited), nobody else", async () => {
    const owner = callerAs(db, env, sessionAuth(fx.owner));
    expect(await owner.preferences.setCurrency({ currency: "eur" })).toEqual({ currency: "EUR", changed: true });
    expect((await callerAs(db, env, sessionAuth(fx.viewer)).preferences.get()).currency).toBe("EUR");
    expect(await codeOf(callerAs(db, env, sessionAuth(fx.pm)).preferences.setCurrency({ currency: "GBP" }))).toBe("FORBIDDEN");
    expect(await codeOf(callerAs(db, env, tokenAuth(fx.owner, { readOnly: true })).preferences.setCurrency({ currency: "GBP" }))).toBe("FORBIDDEN");
    expect(await codeOf(callerAs(db, env, tokenAuth(fx.owner, { projectId: fx.projectA.id })).preferences.setCurrency({ currency: "GBP" }))).toBe("FORBIDDEN");
    expect(await codeOf(callerAs(db, env, tokenAuth(fx.owner, { readOnly: true })).preferences.setTimeZone({ timeZone: "Asia/Tokyo" }))).toBe("FORBIDDEN");
    // The other workspace is untouched.
    expect((await db.prisma.workspace.findUniqueOrThrow({ where: { id: fx.ws2.id } })).currency).toBe("USD");
    const audit = await db.prisma.auditEvent.findMany({ where: { action: "workspace.currency_changed" } });
    expect(audit.map((a) => [a.entityId, a.payload])).toEqual([[fx.ws.id, { from: "USD", to: "EUR" }]]);
  });

  it("refuse an unknown currency with BAD_REQUEST and a readable message", async () => {
    const owner = callerAs(db, env, sessionAuth(fx.owner));
    for (const currency of ["DOLLARS", "XYZ", "", 42]) {
      const err = await errorOf(owner.preferences.setCurrency({ currency: currency as string }));
      expect(err?.code, String(currency)).toBe("BAD_REQUEST");
      expect(err?.message).toMatch(/currency|ISO 4217/);
    }
  });
});

describe("over HTTP", () => {
  it("an invalid zone is a 400 with the message, a valid one is stored", async () => {
    const server = await startServer(db, env);
    try {
      const post = (path: string, body: unknown, cookie = "") =>
        fetch(`${server.url}/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json", origin: server.url, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
      const login = await post("auth.login", { email: fx.outsider.email, password: PASSWORD });
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
      const bad = await post("preferences.setTimeZone", { timeZone: "Not/AZone" }, cookie);
      expect(bad.status).toBe(400);
      const body = (await bad.json()) as { error: { message: string; data: { zodIssues: { path: string; message: string }[] } } };
      expect(body.error.data.zodIssues).toEqual([{ path: "timeZone", message: 'Unknown time zone "Not/AZone": use an IANA name such as Europe/Berlin', code: "custom" }]);
      const ok = await post("preferences.setTimeZone", { timeZone: "Asia/Kolkata" }, cookie);
      expect(ok.status).toBe(200);
      expect((await db.prisma.user.findUniqueOrThrow({ where: { id: fx.outsider.id } })).timeZone).toBe(canonicalTimeZone("Asia/Kolkata"));
      expect((await post("preferences.setCurrency", { currency: "nope" }, cookie)).status).toBe(400);
      expect((await post("preferences.setTimeZone", { timeZone: "Asia/Tokyo" })).status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
