import { spawn } from "node:child_process";
import path from "node:path";
import { runOnce, Logger } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../server/services/auth/tokens.ts";
import { enqueueProjectJob } from "../../server/services/jobs/enqueue.ts";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import type { Fault } from "../../server/simulators/sim-server.ts";
import { buildTaskList } from "../../jobs/task-list.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";
import { startServer } from "../helpers/server.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const END = new Date("2026-11-20T00:00:00Z");
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let nextIndex = 0;
const env = testEnv({ CONNECTOR_MAX_RETRIES: "3" });
const CONNECTORS = ["chatwoot", "linear", "attio"] as const;

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 99, projects: 40, days: 45, end: END, situations: ["client_silence", "aging_blockers", "budget_overrun", "scope_creep"], extraLinearIssues: 150, extraAttioCompanies: 600 });
});
afterAll(async () => {
  await sims.close();
  await db.drop();
});

/** A fresh Control Tower project bound to the next generated project. */
async function freshProject() {
  const index = nextIndex++;
  const p = await db.prisma.project.create({ data: { workspaceId: fx.ws.id, slug: `fault-${index}`, name: `Fault ${index}` } });
  await db.prisma.projectMembership.create({ data: { projectId: p.id, userId: fx.owner.id, role: "owner" } });
  await bindProjectToSims(db.prisma, env, sims, p.id, index);
  return { projectId: p.id, gen: sims.workspace.project(index)! };
}

const sync = (projectId: string, connector: (typeof CONNECTORS)[number], now = END, http: Record<string, unknown> = {}) =>
  runConnectorSync(db.prisma, env, { projectId, connector, now, http: { ...fastHttp, ...http } });

/** Everything generated for the project is mirrored exactly once, with one event per message and issue. */
type GenProject = NonNullable<ReturnType<Simulators["workspace"]["project"]>>;
async function expectLinearComplete(projectId: string, gen: GenProject, deletedUpstream = 0) {
  expect(await db.prisma.linearIssue.count({ where: { projectId, deletedAt: null } })).toBe(gen.linear.issues.length);
  expect(await db.prisma.eventLog.count({ where: { projectId, eventType: "issue_created" } })).toBe(gen.linear.issues.length + deletedUpstream);
}
async function expectComplete(projectId: string, gen: GenProject, deletedUpstream = 0) {
  const messages = gen.chatwoot.conversations.flatMap((c) => c.messages);
  expect(await db.prisma.cwMessage.count({ where: { projectId, deletedAt: null } })).toBe(messages.length);
  expect(await db.prisma.attioCompany.count({ where: { projectId, deletedAt: null } })).toBe(gen.attio.companies.length);
  expect(await db.prisma.eventLog.count({ where: { projectId, eventType: { in: ["message_sent", "message_received"] } } })).toBe(messages.filter((m) => m.message_type <= 1).length);
  await expectLinearComplete(projectId, gen, deletedUpstream);
}

describe("faults: after retries nothing is lost and nothing is duplicated", () => {
  const cases: [string, Fault, number, number, Record<string, unknown>][] = [
    ["a burst of 429s", { kind: "429", retryAfterSeconds: 0 }, 3, 1, {}],
    ["5xx answers", { kind: "5xx", status: 503 }, 3, 2, {}],
    ["answers slower than the client timeout", { kind: "slow", ms: 600 }, 2, 1, { timeoutMs: 250 }],
    ["malformed JSON", { kind: "malformed" }, 2, 2, {}],
    ["dropped connections", { kind: "reset" }, 2, 1, {}],
  ];
  it.each(cases)("%s", async (_label, fault, count, after, http) => {
    const { projectId, gen } = await freshProject();
    for (const s of [sims.chatwoot, sims.linear, sims.attio]) s.inject(fault, count, after);
    for (const c of CONNECTORS) {
      const res = await sync(projectId, c, END, http);
      expect(res.status, `${c}: ${JSON.stringify(res)}`).toBe("ok");
      if (res.status === "ok") expect(res.counters.httpRetries, c).toBeGreaterThan(0);
    }
    for (const s of [sims.chatwoot, sims.linear, sims.attio]) s.clearFaults();
    await expectComplete(projectId, gen);
    // And a re-run changes nothing.
    for (const c of CONNECTORS) expect((await sync(projectId, c, new Date(END.getTime() + 60_000))).status).toBe("ok");
    await expectComplete(projectId, gen);
  });

  it("a page that changes between requests", async () => {
    const { projectId, gen } = await freshProject();
    const issue = gen.linear.issues[0]!;
    const company = gen.attio.companies[1]!;
    const victim = gen.attio.companies[2]!;
    let touched = false;
    sims.linear.onRequest((req) => {
      const q = (req.body as { query?: string } | undefined)?.query ?? "";
      if (!touched && q.includes("SyncIssues") && (req.body as { variables: { after?: string } }).variables.after) {
        touched = true; // after page 1 was served, an issue on it is edited upstream
        issue.title = "Renamed while paging";
        issue.updatedAt = new Date(END.getTime() - 1000);
      }
    });
    let shifted = false;
    sims.attio.onRequest((req) => {
      if (!shifted && req.path.endsWith("/companies/records/query") && (req.body as { offset?: number }).offset === 500) {
        shifted = true; // a record on page 1 is deleted: every later record moves one position left
        gen.attio.companies.splice(gen.attio.companies.indexOf(victim), 1);
      }
    });
    for (const c of CONNECTORS) expect((await sync(projectId, c)).status).toBe("ok");
    sims.linear.onRequest(null);
    sims.attio.onRequest(null);
    expect(touched && shifted).toBe(true);
    // The next incremental run picks up what moved; the skipped record was confirmed alive, not deleted.
    for (const c of CONNECTORS) expect((await sync(projectId, c, new Date(END.getTime() + 60_000))).status).toBe("ok");
    expect((await db.prisma.linearIssue.findFirstOrThrow({ where: { projectId, externalId: issue.id } })).title).toBe("Renamed while paging");
    expect(await db.prisma.attioCompany.findFirst({ where: { projectId, externalId: company.id.record_id, deletedAt: null } })).not.toBeNull();
    expect((await db.prisma.attioCompany.findFirstOrThrow({ where: { projectId, externalId: victim.id.record_id } })).deletedAt).not.toBeNull();
    await expectComplete(projectId, gen);
  });

  it("records deleted upstream are soft-deleted (and events say so)", async () => {
    const { projectId, gen } = await freshProject();
    for (const c of CONNECTORS) expect((await sync(projectId, c)).status).toBe("ok");
    const goneIssue = gen.linear.issues.pop()!;
    const goneDeal = gen.attio.deals.pop()!;
    const later = new Date(END.getTime() + 25 * 3600_000); // past the daily full id scan
    for (const c of CONNECTORS) expect((await sync(projectId, c, later)).status).toBe("ok");
    expect((await db.prisma.linearIssue.findFirstOrThrow({ where: { projectId, externalId: goneIssue.id } })).deletedAt).not.toBeNull();
    expect((await db.prisma.attioDeal.findFirstOrThrow({ where: { projectId, externalId: goneDeal.id.record_id } })).deletedAt).not.toBeNull();
    expect(await db.prisma.eventLog.count({ where: { projectId, eventType: "issue_deleted" } })).toBe(1);
    await expectComplete(projectId, gen, 1);
  });
});

describe("persistent failure", () => {
  it("ends in a dead letter after CONNECTOR_MAX_RETRIES, visible over HTTP; a manual retry resolves it", async () => {
    const { projectId } = await freshProject();
    sims.linear.failAlways({ kind: "5xx", status: 502 });
    for (let i = 0; i < 3; i++) expect((await sync(projectId, "linear", new Date(END.getTime() + i * 3600_000))).status).toBe("failed");
    sims.linear.failAlways(null);
    const err = await db.prisma.connectorError.findFirstOrThrow({ where: { projectId, connector: "linear" } });
    expect(err).toMatchObject({ status: "dead_letter", attempt: 3, errorKind: "server_error", nextRetryAt: null });
    // One open row per project/connector/operation, not one per failure.
    expect(await db.prisma.connectorError.count({ where: { projectId } })).toBe(1);

    const server = await startServer(db, env);
    try {
      const { token } = await createApiToken(db.prisma, { userId: fx.owner.id, name: "ops" });
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const listed = (await (await fetch(`${server.url}/connectors/errors?projectId=${projectId}&status=dead_letter`, { headers: auth })).json()) as { errors: { connector: string; status: string; message: string }[] };
      expect(listed.errors).toEqual([expect.objectContaining({ connector: "linear", status: "dead_letter", message: expect.stringContaining("502") })]);
      const state = (await (await fetch(`${server.url}/connectors/state?projectId=${projectId}`, { headers: auth })).json()) as { state: { connector: string; status: string }[] };
      expect(state.state.find((s) => s.connector === "linear")?.status).toBe("failed");

      const retry = await fetch(`${server.url}/connectors/errors/retry`, { method: "POST", headers: auth, body: JSON.stringify({ projectId }) });
      expect(retry.status).toBe(200);
      expect(((await retry.json()) as { jobKeys: string[] }).jobKeys).toEqual([`linear_sync:${projectId}`]);
      await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env, workerId: "t" }), logger: new Logger(() => () => {}) });
      const after = await db.prisma.connectorError.findUniqueOrThrow({ where: { id: err.id } });
      expect(after.status).toBe("resolved");
      expect((await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId, connector: "linear" } } })).status).toBe("ok");
    } finally {
      await server.close();
    }
  });

  it("backoff follows min(6h, base·2^(attempt−1)) with jitter, and only due errors are retried", async () => {
    const { projectId } = await freshProject();
    sims.attio.failAlways({ kind: "5xx" });
    await sync(projectId, "attio", END);
    const first = await db.prisma.connectorError.findFirstOrThrow({ where: { projectId, connector: "attio" } });
    const delay1 = (first.nextRetryAt!.getTime() - END.getTime()) / 1000;
    expect(delay1).toBeGreaterThanOrEqual(30);
    expect(delay1).toBeLessThanOrEqual(36);
    await sync(projectId, "attio", new Date(END.getTime() + 60_000));
    const second = await db.prisma.connectorError.findFirstOrThrow({ where: { projectId, connector: "attio" } });
    const delay2 = (second.nextRetryAt!.getTime() - END.getTime() - 60_000) / 1000;
    expect(delay2).toBeGreaterThanOrEqual(60);
    expect(delay2).toBeLessThanOrEqual(72);
    expect(second.status).toBe("retrying");
    sims.attio.failAlways(null);
  });
});

describe("a worker killed in the middle of a sync", () => {
  it("restarts and ends with the same rows as an uninterrupted sync", async () => {
    const { projectId, gen } = await freshProject();
    // The first requests (the structure, the first issue page) answer quickly, every later page takes
    // 3 s: once the first page's rows are in, the worker is killed well before the next page lands,
    // however busy the machine is.
    sims.linear.inject({ kind: "slow", ms: 150 }, 2);
    sims.linear.inject({ kind: "slow", ms: 3000 }, 1000);
    await enqueueProjectJob(db.prisma, { task: "linear_sync", payload: { projectId, trigger: "manual" }, maxAttempts: 5 });
    const child = spawn(process.execPath, ["--import", "tsx", "jobs/worker.ts"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: "silent", SESSION_SECRET: env.SESSION_SECRET }, stdio: "ignore" });
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await db.prisma.linearIssue.count({ where: { projectId } })) === 0) await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    sims.linear.clearFaults();
    const partial = await db.prisma.linearIssue.count({ where: { projectId } });
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(gen.linear.issues.length);
    const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId, connector: "linear" } } });
    expect(state.status).toBe("running"); // the lease of the dead run is still held
    expect((state.cursor as { updatedAt?: string }).updatedAt).toBeUndefined(); // the cursor never moved

    // Restart: the lease expires (15 min) and the next run resumes from the old cursor.
    const res = await sync(projectId, "linear", new Date(Date.now() + 16 * 60_000));
    expect(res.status, JSON.stringify(res)).toBe("ok");
    await expectLinearComplete(projectId, gen);
  }, 60_000);
});

describe("completeness at volume", () => {
  it("10,000 Linear issues and 5,000 Attio records all arrive; a re-sync writes nothing; one change writes one row", async () => {
    // Project index 45 of its own workspace: account ids do not collide with the projects above.
    const big = await startSimulators({ seed: 5, projects: 50, days: 60, end: END, situations: [], extraLinearIssues: 10_000, extraAttioCompanies: 5_000 });
    try {
      const p = await db.prisma.project.create({ data: { workspaceId: fx.ws.id, slug: "big", name: "Big" } });
      await bindProjectToSims(db.prisma, env, big, p.id, 45);
      const gen = big.workspace.project(45)!;
      for (const c of ["linear", "attio"] as const) expect((await runConnectorSync(db.prisma, env, { projectId: p.id, connector: c, now: END, http: { ...fastHttp, ratePerSecond: 1000 } })).status).toBe("ok");
      expect(gen.linear.issues.length).toBeGreaterThanOrEqual(10_000);
      expect(gen.attio.companies.length).toBeGreaterThanOrEqual(5_000);
      expect(await db.prisma.linearIssue.count({ where: { projectId: p.id } })).toBe(gen.linear.issues.length);
      expect(await db.prisma.attioCompany.count({ where: { projectId: p.id } })).toBe(gen.attio.companies.length);
      expect(big.linear.requests.filter((r) => JSON.stringify(r.body).includes("SyncIssues")).length).toBeGreaterThanOrEqual(100);

      const again = await runConnectorSync(db.prisma, env, { projectId: p.id, connector: "linear", now: new Date(END.getTime() + 60_000), http: { ...fastHttp, ratePerSecond: 1000 } });
      expect(again.status === "ok" && again.counters.issuesWritten).toBe(0);
      const againA = await runConnectorSync(db.prisma, env, { projectId: p.id, connector: "attio", now: new Date(END.getTime() + 60_000), http: { ...fastHttp, ratePerSecond: 1000 } });
      expect(againA.status === "ok" && againA.counters.recordsWritten).toBe(0);

      const one = gen.attio.companies[4321]!;
      one.values.name = [{ active_from: END.toISOString(), active_until: null, attribute_type: "text", value: "Renamed Co" }];
      const changed = await runConnectorSync(db.prisma, env, { projectId: p.id, connector: "attio", now: new Date(END.getTime() + 120_000), http: { ...fastHttp, ratePerSecond: 1000 } });
      expect(changed.status === "ok" && changed.counters.recordsWritten).toBe(1);
      expect((await db.prisma.attioCompany.findFirstOrThrow({ where: { projectId: p.id, externalId: one.id.record_id } })).name).toBe("Renamed Co");
    } finally {
      await big.close();
    }
  }, 180_000);
});
