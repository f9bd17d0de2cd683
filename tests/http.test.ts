import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCClientError } from "@trpc/client";
import { createApiToken, revokeApiToken } from "../server/services/auth/tokens.ts";
import { controlTowerClient, summary } from "../docs/examples/typed-client.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { PASSWORD, seedFixture, testEnv, type Fixture } from "./helpers/fixtures.ts";
import { startServer } from "./helpers/server.ts";

let db: TestDb;
let fx: Fixture;
let server: Awaited<ReturnType<typeof startServer>>;
const env = testEnv({ LOGIN_RATE_LIMIT_MAX: "5" });

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  server = await startServer(db, env);
});
afterAll(async () => {
  await server.close();
  await db.drop();
});

const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

async function loginCookie(email: string, password = PASSWORD): Promise<string> {
  const res = await fetch(`${server.url}/api/trpc/auth.login`, json({ email, password }, { origin: server.url }));
  expect(res.status).toBe(200);
  const cookie = res.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/ct_session=.+; Path=\/; HttpOnly; SameSite=Lax/);
  return cookie.split(";")[0]!;
}

describe("health, metrics, request ids, headers", () => {
  it("/health is 503 without a worker heartbeat and 200 with a fresh one", async () => {
    const down = await fetch(`${server.url}/health`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { components: Record<string, { ok: boolean }> };
    expect(body.components.database!.ok).toBe(true);
    expect(body.components.migrations!.ok).toBe(true);
    expect(body.components.pgvector!.ok).toBe(true);
    expect(body.components.worker!.ok).toBe(false);

    await db.prisma.workerRun.create({ data: { id: "w-http-test", hostname: "test", pid: 1 } });
    const up = await fetch(`${server.url}/health`);
    expect(up.status).toBe(200);
    await db.prisma.workerRun.update({ where: { id: "w-http-test" }, data: { heartbeatAt: new Date(Date.now() - 3600_000) } });
    expect((await fetch(`${server.url}/health`)).status).toBe(503);
  });

  it("/metrics speaks Prometheus, with HTTP latency and job figures", async () => {
    await db.prisma.jobRun.create({ data: { task: "demo_task", status: "succeeded", durationMs: 1200, projectId: fx.projectA.id } });
    await fetch(`${server.url}/health`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/# TYPE ct_http_request_duration_seconds histogram/);
    expect(text).toMatch(/ct_http_request_duration_seconds_count\{method="GET",route="\/health",status="(200|503)"\} \d+/);
    expect(text).toContain('ct_job_runs_total{task="demo_task",status="succeeded"} 1');
    expect(text).toContain('ct_job_duration_seconds_bucket{task="demo_task",status="succeeded",le="5"} 1');
  });

  it("echoes a valid x-request-id, generates one otherwise, and sets security headers", async () => {
    const echoed = await fetch(`${server.url}/health`, { headers: { "x-request-id": "abc-123" } });
    expect(echoed.headers.get("x-request-id")).toBe("abc-123");
    const generated = await fetch(`${server.url}/health`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers.get("content-security-policy")).toContain("script-src 'self' 'nonce-");
    expect(generated.headers.get("x-content-type-options")).toBe("nosniff");
    expect(generated.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(generated.headers.get("x-powered-by")).toBeNull();
  });
});

describe("authentication over HTTP", () => {
  it("wrong password → 401; the cookie session then works; logout ends it", async () => {
    const bad = await fetch(`${server.url}/api/trpc/auth.login`, json({ email: fx.pm.email, password: "wrong" }, { origin: server.url }));
    expect(bad.status).toBe(401);
    const cookie = await loginCookie(fx.pm.email);
    const me = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const out = await fetch(`${server.url}/api/trpc/auth.logout`, json(undefined, { cookie, origin: server.url }));
    expect(out.status).toBe(200);
    expect((await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie } })).status).toBe(401);
  });

  it("an expired session is rejected and its cookie cleared", async () => {
    const cookie = await loginCookie(fx.viewer.email);
    await db.prisma.session.updateMany({ where: { userId: fx.viewer.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie } });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toMatch(/ct_session=;.*Expires=Thu, 01 Jan 1970/);
  });

  it("a tampered cookie is ignored", async () => {
    const cookie = await loginCookie(fx.viewer.email);
    const res = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie: cookie.slice(0, -3) + "abc" } });
    expect(res.status).toBe(401);
  });

  it("a revoked or unknown bearer token → 401", async () => {
    const { token, apiToken } = await createApiToken(db.prisma, { userId: fx.pm.id, name: "t" });
    expect((await fetch(`${server.url}/api/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await revokeApiToken(db.prisma, { userId: fx.pm.id, tokenId: apiToken.id, now: new Date() });
    const res = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_token");
    expect((await fetch(`${server.url}/api/trpc/auth.me`, { headers: { authorization: "Bearer ct_nope" } })).status).toBe(401);
  });

  it("login is rate-limited (429) after repeated failures", async () => {
    let last = 0;
    for (let i = 0; i < 7; i++) {
      last = (await fetch(`${server.url}/api/trpc/auth.login`, json({ email: fx.outsider.email, password: "wrong" }, { origin: server.url }))).status;
    }
    expect(last).toBe(429);
  });
});

describe("CSRF: state-changing browser requests need this site's Origin", () => {
  const mutation = () => ({ projectId: fx.projectA.id, task: "event_log_retention" });
  it("missing or foreign Origin on a cookie-authenticated mutation → 403, nothing changes", async () => {
    const cookie = await loginCookie(fx.pm.email);
    const before = await db.prisma.auditEvent.count({ where: { action: "job.run_now" } });
    const none = await fetch(`${server.url}/api/trpc/jobs.runNow`, json(mutation(), { cookie }));
    expect(none.status).toBe(403);
    expect(((await none.json()) as { error: string }).error).toBe("csrf_origin_mismatch");
    const evil = await fetch(`${server.url}/api/trpc/jobs.runNow`, json(mutation(), { cookie, origin: "https://evil.example" }));
    expect(evil.status).toBe(403);
    const login = await fetch(`${server.url}/api/trpc/auth.login`, json({ email: fx.pm.email, password: PASSWORD }, { origin: "https://evil.example" }));
    expect(login.status).toBe(403);
    expect(await db.prisma.auditEvent.count({ where: { action: "job.run_now" } })).toBe(before);

    const ok = await fetch(`${server.url}/api/trpc/jobs.runNow`, json(mutation(), { cookie, origin: server.url }));
    expect(ok.status).toBe(200);
    expect(await db.prisma.auditEvent.count({ where: { action: "job.run_now" } })).toBe(before + 1);
  });

  it("a mutation cannot be sent as a GET", async () => {
    const cookie = await loginCookie(fx.pm.email);
    const res = await fetch(`${server.url}/api/trpc/jobs.runNow?input=${encodeURIComponent(JSON.stringify(mutation()))}`, { headers: { cookie } });
    expect(res.status).toBe(405);
  });

  it("bearer-token requests need no Origin (no ambient credentials)", async () => {
    const { token } = await createApiToken(db.prisma, { userId: fx.pm.id, name: "script" });
    const res = await fetch(`${server.url}/api/trpc/jobs.runNow`, json(mutation(), { authorization: `Bearer ${token}` }));
    expect(res.status).toBe(200);
  });
});

describe("bad input over HTTP → 4xx with a message", () => {
  let token: string;
  beforeAll(async () => {
    token = (await createApiToken(db.prisma, { userId: fx.owner.id, name: "bad-input" })).token;
  });
  const cases: [string, string, string, unknown, number][] = [
    ["wrong type", "GET", "jobs.scheduled", { projectId: 42 }, 400],
    ["missing field", "POST", "jobs.runNow", { projectId: "__A__" }, 400],
    ["unknown project", "GET", "jobs.scheduled", { projectId: "7f0c3e3a-9c1e-4a43-9a55-1f2b3c4d5e6f" }, 404],
    ["not a uuid", "GET", "projects.get", { projectId: "../../etc/passwd" }, 400],
    ["huge string", "GET", "projects.get", { projectId: "x".repeat(5_000) }, 400],
    ["huge body", "POST", "jobs.runNow", { projectId: "__A__", task: "x".repeat(300_000) }, 413],
    ["unknown task", "POST", "jobs.runNow", { projectId: "__A__", task: "drop_tables" }, 400],
    ["limit out of range", "GET", "jobs.runs", { projectId: "__A__", limit: 100000 }, 400],
    ["unknown procedure", "GET", "nope.nothing", {}, 404],
  ];
  it.each(cases)("%s", async (_label, method, path, rawInput, status) => {
    const input = JSON.parse(JSON.stringify(rawInput).replace("__A__", fx.projectA.id));
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const res = method === "GET"
      ? await fetch(`${server.url}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(`${server.url}/api/trpc/${path}`, { method, headers, body: JSON.stringify(input) });
    expect(res.status).toBe(status);
    // tRPC's error shape, or the ops envelope {ok:false, error, message} for errors raised before tRPC.
    const body = (await res.json()) as { message?: string; error?: { message?: string; data?: { zodIssues?: unknown } } };
    expect((body.error?.message ?? body.message ?? "").length).toBeGreaterThan(3);
    if (status === 400) expect(body.error?.data?.zodIssues ?? body.error?.message).toBeTruthy();
  });

  it("malformed JSON → 400", async () => {
    const res = await fetch(`${server.url}/api/trpc/jobs.runNow`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
  });
});

describe("ops REST endpoints", () => {
  it("require authentication and respect project membership", async () => {
    expect((await fetch(`${server.url}/jobs/scheduler`)).status).toBe(401);
    const { token } = await createApiToken(db.prisma, { userId: fx.outsider.id, name: "ops" });
    const auth = { authorization: `Bearer ${token}` };
    const foreign = await fetch(`${server.url}/jobs/scheduler?projectId=${fx.projectA.id}`, { headers: auth });
    expect(foreign.status).toBe(404);
    const tick = await fetch(`${server.url}/jobs/scheduler/tick`, json({ projectId: fx.projectA.id }, auth));
    expect(tick.status).toBe(404);
    expect((await fetch(`${server.url}/jobs/scheduler/tick`, json({}, auth))).status).toBe(400);
  });

  it("GET /jobs/scheduler lists the caller's scheduled jobs; POST tick enqueues due ones", async () => {
    const { token } = await createApiToken(db.prisma, { userId: fx.pm.id, name: "ops2" });
    const auth = { authorization: `Bearer ${token}` };
    const tick = await fetch(`${server.url}/jobs/scheduler/tick`, json({ projectId: fx.projectA.id }, auth));
    expect(tick.status).toBe(200);
    const tickBody = (await tick.json()) as { ok: boolean; enqueued: { task: string; jobKey: string }[]; request_id: string };
    expect(tickBody.ok).toBe(true);
    expect(tickBody.enqueued.map((e) => e.jobKey)).toContain(`event_log_retention:${fx.projectA.id}`);
    const list = await fetch(`${server.url}/jobs/scheduler`, { headers: auth });
    const body = (await list.json()) as { jobs: { projectId: string; task: string }[] };
    expect(body.jobs.every((j) => j.projectId === fx.projectA.id)).toBe(true);
    expect(body.jobs.map((j) => j.task)).toContain("event_log_retention");
  });
});

describe("the typed client example (docs/examples/typed-client.ts) over real HTTP", () => {
  it("works with an API token and is typed by AppRouter", async () => {
    const { token } = await createApiToken(db.prisma, { userId: fx.owner.id, name: "example" });
    const res = await summary(server.url, token);
    expect(res.user).toBe(fx.owner.email);
    expect(res.projects.map((p) => p.name).sort()).toEqual(["Alpha", "Beta"]);
    const client = controlTowerClient(server.url, token);
    const err = await client.projects.get.query({ projectId: fx.projectC.id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as { data?: { code?: string } }).data?.code).toBe("NOT_FOUND");
  });
});

describe("sign-in limits cannot be sidestepped by how the request is addressed", () => {
  it("every spelling of a sign-in counts against the same per-address limit, and sign-in cannot ride in a batch", async () => {
    const strict = await startServer(db, testEnv({ AUTH_RATE_LIMIT_PER_MINUTE: "4" }));
    try {
      const creds = { email: fx.outsider.email, password: "wrong" };
      const form = (path: string) => fetch(`${strict.url}${path}`, { method: "POST", headers: { origin: strict.url, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(creds).toString() });
      // The batch is refused, and still counts as an attempt.
      const batch = await fetch(`${strict.url}/api/trpc/auth.login,auth.me?batch=1`, json({ 0: creds }, { origin: strict.url }));
      expect(batch.status).toBe(400);
      const statuses = [
        (await fetch(`${strict.url}/API/TRPC/auth.login`, json(creds, { origin: strict.url }))).status,
        (await form("/LOGIN/")).status,
        (await form("/login.data")).status,
      ];
      expect(statuses).not.toContain(429);
      const fifth = await fetch(`${strict.url}/api/trpc/x/auth.login`, json(creds, { origin: strict.url }));
      expect(fifth.status).toBe(429);
      expect(Number(fifth.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });

  it("a malformed cookie from another app on the host is ignored, not a 500", async () => {
    const res = await fetch(`${server.url}/api/trpc/auth.me`, { headers: { cookie: "x=%; a=%E0%A4%A" } });
    expect(res.status).toBe(401);
  });
});
