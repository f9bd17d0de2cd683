import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../server/services/auth/tokens.ts";
import { allProcedures, callerAs, procedureAt, sessionAuth } from "./helpers/callers.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { PASSWORD, seedFixture, testEnv, type Fixture } from "./helpers/fixtures.ts";
import { startServer } from "./helpers/server.ts";

// Every door driven with hostile input: every tRPC procedure, every page and form action, every REST
// endpoint. Whatever comes in, the answer is never a 5xx, never shows a stack, a file path or a
// database error, and a rejected change writes nothing.

const env = testEnv({ AUTH_RATE_LIMIT_PER_MINUTE: "100000", API_RATE_LIMIT_WRITES_PER_MINUTE: "1000000", API_RATE_LIMIT_READS_PER_MINUTE: "1000000" });
let db: TestDb;
let fx: Fixture;
let server: Awaited<ReturnType<typeof startServer>>;
let bearer: string;
let cookie: string;

// A file path, a stack frame, the ORM or the database speaking (SQL keywords in capitals: pages have <select>).
const LEAK = /\/work\/|node_modules|\.tsx?:\d+|\n\s+at |\bat [\w.<>]+ \(\/|Prisma|invalid input syntax|violates \w+ constraint|\bSELECT\b[^<]*\bFROM\b|INSERT INTO|"stack"/;

/** The probe's own cases, then the usual suspects. */
const NASTY_STRINGS = [
  "a\u0000b", "\u0000", "9999999999999999999", "1.9999999999999999999", "-1", "1e309", "NaN", "-271821-04-20T00:00:00Z", "275760-09-13T00:00:00Z",
  "0000-00-00", "/\t/evil.example", "/\\evil.example", "//evil.example", "%0A", "\r\nSet-Cookie: x=1", "' OR 1=1 --", "<script>alert(1)</script>",
  "../../etc/passwd", "x".repeat(5000), "😀".repeat(300), "\uD800", "{}", "[]", "null", "true", "00000000-0000-0000-0000-000000000000",
];
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(...NASTY_STRINGS, Number("9223372036854775807"), -1, Number("1e309"), Number.MAX_SAFE_INTEGER, 0.5, null, true, [], {}),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString())),
);
const FIELDS = ["cursor", "limit", "since", "before", "q", "name", "task", "id", "recId", "tokenId", "messageIds", "messageId", "label", "applies", "kind", "connector", "status", "days", "windowDays", "topK", "email", "password", "role", "userId", "currency", "timeZone", "content", "conversationId", "action", "eventType", "category", "expiresAt", "cadenceSeconds", "enabled"];
const hostileInput = (projectId: string) =>
  fc.record({ projectId: fc.oneof(fc.constant(projectId), nastyValue) }).chain((base) =>
    fc.dictionary(fc.constantFrom(...FIELDS), nastyValue, { maxKeys: 6 }).map((extra) => ({ ...extra, ...base })),
  );

function expectClean(status: number, body: string, what: string) {
  expect(status, `${what} → ${status}: ${body.slice(0, 300)}`).toBeLessThan(500);
  const leak = LEAK.exec(body);
  expect(leak ? body.slice(Math.max(0, leak.index - 120), leak.index + 120) : null, `${what} leaks internals`).toBeNull();
}

/** Exact row counts of every table a change could write (a rejected change must leave them all as they were). */
async function tableCounts(): Promise<Record<string, number>> {
  const tables = await db.prisma.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('_prisma_migrations', 'login_attempts', 'sessions')`;
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table_name}"`);
    out[table_name] = Number(row!.n);
  }
  const [jobs] = await db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM graphile_worker.jobs`;
  out["graphile_worker.jobs"] = Number(jobs!.n);
  return out;
}

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
  server = await startServer(db, env, build);
  bearer = `Bearer ${(await createApiToken(db.prisma, { userId: fx.owner.id, name: "hostile" })).token}`;
  const login = await fetch(`${server.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: JSON.stringify({ email: fx.owner.email, password: PASSWORD }) });
  cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe("hostile input at every door", () => {
  const procedures = allProcedures().filter((p) => p.type !== "subscription");

  it("every tRPC procedure over HTTP: no 5xx, no internals, and a rejected change writes nothing", async () => {
    let requests = 0;
    for (const proc of procedures) {
      await fc.assert(
        fc.asyncProperty(hostileInput(fx.projectA.id), async (input) => {
          const before = proc.type === "mutation" ? await tableCounts() : null;
          const url = `${server.url}/api/trpc/${proc.path}`;
          const res = proc.type === "query"
            ? await fetch(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { authorization: bearer } })
            : await fetch(url, { method: "POST", headers: { authorization: bearer, "content-type": "application/json" }, body: JSON.stringify(input) });
          requests++;
          const body = await res.text();
          expectClean(res.status, body, `${proc.path} ${JSON.stringify(input).slice(0, 200)}`);
          if (before && res.status >= 400) expect(await tableCounts(), `${proc.path} was refused (${res.status}) but wrote`).toEqual(before);
        }),
        { numRuns: proc.type === "mutation" ? 12 : 20, seed: 20261202 },
      );
    }
    expect(requests).toBeGreaterThan(procedures.length * 10);
  }, 600_000);

  it("every query procedure answers over real HTTP what it answers through the server-side caller (nothing unserialisable)", async () => {
    const caller = callerAs(db, env, sessionAuth(fx.owner));
    let compared = 0;
    for (const proc of procedures.filter((p) => p.type === "query")) {
      const input = proc.projectScoped ? { projectId: fx.projectA.id } : undefined;
      const direct = await procedureAt(caller, proc.path)(input).then(() => true, () => false);
      const res = await fetch(`${server.url}/api/trpc/${proc.path}${input ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ""}`, { headers: { authorization: bearer } });
      const body = await res.text();
      expectClean(res.status, body, proc.path);
      if (direct) {
        expect(res.status, `${proc.path} works through the caller but not over HTTP: ${body.slice(0, 300)}`).toBe(200);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  }, 120_000);

  it("the probe's cases: cursors, NUL, unstorable dates, empty forms, CR/LF and open redirects", async () => {
    const A = fx.projectA.id;
    const get = async (p: string, headers: Record<string, string> = { cookie }) => {
      const res = await fetch(`${server.url}${p}`, { headers, redirect: "manual" });
      expectClean(res.status, await res.text(), `GET ${p}`);
      return res;
    };
    for (const p of [
      `/projects/${A}/events?cursor=9999999999999999999.9999999999999999999`, `/projects/${A}/events?cursor=1.9999999999999999999`, `/projects/${A}/settings?auditCursor=9999999999999999999`,
      `/projects/${A}/messages?q=a%00b`, `/projects/${A}/messages?before=-271821-04-20T00:00:00Z`, `/projects/${A}/jobs?cursor=99999999999999999999`,
      `/kag/events?projectId=${A}&cursor=1.9999999999999999999`, `/kag/events?projectId=${A}&since=-271821-04-20T00:00:00Z`, `/kag/events?projectId=a%00b`,
    ]) await get(p);
    // Empty and foreign bodies on every page's form.
    for (const p of ["/login", "/projects/switch", `/projects/${A}/jobs`, `/projects/${A}/settings`, `/projects/${A}/recommendations`, `/projects/${A}/messages`, "/preferences"]) {
      for (const init of [{}, { headers: { "content-type": "text/plain" }, body: "x" }, { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "intent=a%00b&name=a%00b" }]) {
        const res = await fetch(`${server.url}${p}`, { method: "POST", redirect: "manual", ...init, headers: { cookie, origin: server.url, ...(init.headers ?? {}) } });
        expectClean(res.status, await res.text(), `POST ${p} ${JSON.stringify(init).slice(0, 80)}`);
        expect(res.status).not.toBe(200);
      }
    }
    const big = await fetch(`${server.url}/login`, { method: "POST", headers: { origin: server.url, "content-type": "application/x-www-form-urlencoded" }, body: `email=a&password=${"x".repeat(2_000_000)}` });
    expect(big.status).toBe(413);
    // Redirect targets after sign-in: only same-site paths, whatever the encoding.
    for (const target of ["/\t/evil.example", "/\\evil.example", "//evil.example", "/\t\\evil.example", "https://evil.example", "/%0A/evil", "/\r\n/evil", "javascript:alert(1)", "/ /evil.example", "/%2F%2Fevil.example", "\\\\evil.example", "/\u0000/evil"]) {
      const res = await get(`/login?redirectTo=${encodeURIComponent(target)}`);
      expect(res.status).toBe(302);
      const location = res.headers.get("location") ?? "";
      expect(new URL(location, server.url).origin, `${JSON.stringify(target)} → ${location}`).toBe(server.url);
      expect(location.startsWith("//") || /[\t\r\n\\]/.test(location), location).toBe(false);
      const post = await fetch(`${server.url}/login`, { method: "POST", redirect: "manual", headers: { origin: server.url, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ email: fx.owner.email, password: PASSWORD, redirectTo: target }).toString() });
      expectClean(post.status, await post.text(), `POST /login redirectTo=${JSON.stringify(target)}`);
      if (post.status === 302) expect(new URL(post.headers.get("location")!, server.url).origin).toBe(server.url);
    }
  }, 120_000);

  it("page and form actions with generated form bodies: no 5xx, no internals", async () => {
    const A = fx.projectA.id;
    const pages = ["/projects", "/projects/switch", "/preferences", `/projects/${A}`, `/projects/${A}/jobs`, `/projects/${A}/settings`, `/projects/${A}/recommendations`, `/projects/${A}/messages`, `/projects/${A}/events`, `/projects/${A}/digests`, `/projects/${A}/similar`];
    const INTENTS = ["act", "add-member", "cadence", "correct", "create-token", "feedback", "follow-up-cancel", "remove-member", "retry-action", "retry-errors", "revoke-token", "run-now", "set-currency", "set-role", "set-time-zone", "status", "sync", "sync-all", "toggle", "upsell", "webhook-regenerate", "webhook-secret"];
    const field = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 30 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...pages), fc.constantFrom(...INTENTS, "nope"), fc.dictionary(fc.constantFrom(...FIELDS), field, { maxKeys: 5 }), async (page, intent, fields) => {
        const body = new URLSearchParams({ intent, ...fields }).toString();
        const res = await fetch(`${server.url}${page}`, { method: "POST", redirect: "manual", headers: { cookie, origin: server.url, "content-type": "application/x-www-form-urlencoded" }, body });
        expectClean(res.status, await res.text(), `POST ${page} ${body.slice(0, 200)}`);
        const q = await fetch(`${server.url}${page}?${new URLSearchParams(fields as Record<string, string>)}`, { headers: { cookie }, redirect: "manual" });
        expectClean(q.status, await q.text(), `GET ${page}?${JSON.stringify(fields).slice(0, 200)}`);
      }),
      { numRuns: 150, seed: 20261203 },
    );
  }, 300_000);

  it("a throttled sign-in form answers 429 with Retry-After", async () => {
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await fetch(`${server.url}/login`, { method: "POST", redirect: "manual", headers: { origin: server.url, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ email: fx.outsider.email, password: `wrong-${i}` }).toString() });
      expectClean(last.status, await last.text(), "POST /login");
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("metrics: random paths do not add series", async () => {
    const series = async () => (await (await fetch(`${server.url}/metrics`)).text()).split("\n").filter((l) => l && !l.startsWith("#")).length;
    // The first unknown path and batch add their one label set each; the next ones add none.
    await fetch(`${server.url}/api/trpc/warmup.${Math.random()}`);
    await fetch(`${server.url}/api/trpc/warmup,again?batch=1`);
    await series(); // the scrape's own label set appears from the second scrape on
    const before = await series();
    for (let i = 0; i < 50; i++) await fetch(`${server.url}/api/trpc/${Math.random().toString(36).slice(2)}`);
    for (let i = 0; i < 20; i++) await fetch(`${server.url}/api/trpc/a${i},b${i}?batch=1`);
    expect(await series()).toBe(before);
  });
});
