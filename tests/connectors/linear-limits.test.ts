import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ISSUES_QUERY } from "../../server/services/connectors/linear.ts";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { LINEAR_API_KEY_LIMITS } from "../../server/simulators/linear-sim.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// Linear's limits, enforced by the simulator as Linear documents them: a query over 10,000 complexity
// points is refused; per key, 5,000 requests and 3,000,000 points an hour (leaky buckets); over them,
// HTTP 400 RATELIMITED. The simulator's clock is faked (it moves only when the test or the client's
// sleep moves it), so an hour's refill takes no real time.

let db: TestDb;
let fx: Fixture;
let sims: Simulators;
const env = testEnv();
const END = new Date("2026-11-20T00:00:00Z");

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 23, projects: 2, days: 60, end: END, situations: ["aging_blockers"], extraLinearIssues: 100 });
  sims.linear.rate.setTime(END.getTime());
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
  await bindProjectToSims(db.prisma, env, sims, fx.projectB.id, 1);
});
afterAll(async () => {
  await sims.close();
  await db.drop();
});

/** The client's waits move the simulator's clock (no real sleeping). */
const http = () => ({ ...fastHttp, sleep: async (ms: number) => sims.linear.rate.advance(ms) });
const key = (index: number) => sims.bindings(index).linear.token;
const gql = (index: number, query: string, variables: Record<string, unknown> = {}) =>
  fetch(`${sims.linear.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: key(index) }, body: JSON.stringify({ query, variables }) });

describe("nested connections are paged to the end", () => {
  it("an issue with more labels and relations than one nested page keeps all of them", async () => {
    const lin = sims.workspace.project(0)!.linear;
    const completed = new Set(lin.states.filter((s) => s.type === "completed" || s.type === "canceled").map((s) => s.id));
    const target = lin.issues[0]!;
    for (let n = 0; n < 27; n++) lin.labels.push({ id: `label-extra-${n}`, name: `area-${n}` });
    target.labelIds = lin.labels.map((l) => l.id);
    const blockers = lin.issues.filter((i) => i !== target && !i.completedAt && !completed.has(i.stateId)).slice(0, 55);
    // More than one nested page of ours (5) and more than the old single page (50).
    expect(blockers.length).toBe(55);
    target.blockedByIds = blockers.map((b) => b.id);

    const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "linear", now: END, http: http() });
    expect(res.status, JSON.stringify(res)).toBe("ok");
    const row = await db.prisma.linearIssue.findFirstOrThrow({ where: { projectId: fx.projectA.id, externalId: target.id } });
    expect([...row.labels].sort()).toEqual(lin.labels.map((l) => l.name).sort());
    // 32 labels: more than one nested page of ours (10) and more than the old single page (25).
    expect(row.labels.length).toBe(32);
    expect(row.blockedByCount).toBe(55);
    expect([...(row.data as { blockedBy: string[] }).blockedBy].sort()).toEqual(blockers.map((b) => b.id).sort());
    const ops = sims.linear.requests.map((r) => String((r.body as { query?: string }).query ?? ""));
    expect(ops.filter((q) => q.includes("IssueLabelsPage")).length).toBeGreaterThanOrEqual(1);
    expect(ops.filter((q) => q.includes("IssueRelationsPage")).length).toBeGreaterThanOrEqual(1);
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectA.id } })).toBe(lin.issues.length);
    expect(sims.linear.rate.stats.rateLimited + sims.linear.rate.stats.tooComplex).toBe(0);
  });
});

describe("the simulator answers like Linear", () => {
  it("sends the budget headers on every answer and refuses a query over 10,000 points with Linear's error", async () => {
    const ok = await gql(1, "{ viewer { id } }");
    for (const h of ["x-ratelimit-requests-limit", "x-ratelimit-requests-remaining", "x-ratelimit-requests-reset", "x-complexity", "x-ratelimit-complexity-limit", "x-ratelimit-complexity-remaining", "x-ratelimit-complexity-reset"])
      expect(ok.headers.get(h), h).not.toBeNull();
    expect(ok.headers.get("x-ratelimit-requests-limit")).toBe(String(LINEAR_API_KEY_LIMITS.requestsPerHour));
    expect(ok.headers.get("x-ratelimit-complexity-limit")).toBe(String(LINEAR_API_KEY_LIMITS.complexityPerHour));

    // Our own issue page at 1,000 a page is far over the cap.
    const before = sims.linear.rate.stats.tooComplex;
    const tooBig = await gql(1, ISSUES_QUERY, { first: 1000, since: "1970-01-01T00:00:00.000Z" });
    expect(tooBig.status).toBe(400);
    const body = (await tooBig.json()) as { errors: { message: string; extensions: { code: string; userPresentableMessage: string } }[] };
    expect(body.errors[0]!.message).toBe("Query too complex");
    expect(body.errors[0]!.extensions.code).toBe("INPUT_ERROR");
    expect(body.errors[0]!.extensions.userPresentableMessage).toMatch(/Complexity: \d+\. Maximum allowed complexity: 10000/);
    expect(sims.linear.rate.stats.tooComplex).toBe(before + 1);
  });

  it("a key someone else drained: the run is refused (HTTP 400 RATELIMITED), ends cleanly, and the next run after the reset completes", async () => {
    sims.linear.rate.configure({ requestsPerHour: 40 });
    // Another user of the key spends its requests.
    for (let i = 0; i < 40; i++) expect((await gql(1, "{ viewer { id } }")).status).toBe(200);
    const refused = await gql(1, "{ viewer { id } }");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("RATELIMITED");
    expect(refused.headers.get("x-ratelimit-requests-remaining")).toBe("0");

    const refusedBefore = sims.linear.rate.stats.rateLimited;
    const first = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: "linear", now: END, http: http() });
    expect(first.status, JSON.stringify(first)).toBe("ok");
    if (first.status !== "ok") return;
    expect(first.resumeAt).toBeDefined();
    // One attempt, refused; not retried for an hour inside the run.
    expect(sims.linear.rate.stats.rateLimited).toBe(refusedBefore + 1);
    expect(first.counters.incomplete).toBe(1);
    expect(first.warnings.join(" ")).toMatch(/RATELIMITED|rate-limited/);
    sims.linear.rate.advance(first.resumeAt!.getTime() - END.getTime());
    const second = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: "linear", now: first.resumeAt!, http: http() });
    expect(second.status, JSON.stringify(second)).toBe("ok");
    if (second.status !== "ok") return;
    expect(second.resumeAt).toBeUndefined();
    const gen = sims.workspace.project(1)!.linear;
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectB.id } })).toBe(gen.issues.length);
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectB.id, eventType: "issue_created" } })).toBe(gen.issues.length);
    sims.linear.rate.configure(LINEAR_API_KEY_LIMITS);
  });
});
