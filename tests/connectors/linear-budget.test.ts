import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { LINEAR_API_KEY_LIMITS } from "../../server/simulators/linear-sim.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// The target: a 10,000-issue Linear workspace synced against a simulator that enforces Linear's limits
// — the 10,000-point cap per query and the per-key hourly budgets, here scaled down 20× (250 requests
// and 150,000 points an hour instead of 5,000 and 3,000,000) so one sync needs several budgets' worth.
// Time is faked: the simulator's clock only moves when a run ends early and the next one is due
// (resumeAt), or when the client would sleep; nothing waits an hour. Every run must stay inside the
// limits (the simulator counts each refused request), and together they must bring every issue
// exactly once — also when issues change between the runs.

const SCALE = 20;
const ISSUES = Number(process.env.LINEAR_BUDGET_ISSUES ?? 10_000);
const END = new Date("2026-11-20T00:00:00Z");

let db: TestDb;
let fx: Fixture;
let sims: Simulators;
const env = testEnv();

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 31, projects: 1, days: 60, end: END, situations: [], extraLinearIssues: ISSUES });
  sims.linear.rate.configure({ requestsPerHour: LINEAR_API_KEY_LIMITS.requestsPerHour / SCALE, complexityPerHour: LINEAR_API_KEY_LIMITS.complexityPerHour / SCALE });
  sims.linear.rate.setTime(END.getTime());
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
}, 120_000);
afterAll(async () => {
  await sims?.close();
  await db?.drop();
});

describe(`Linear sync of ${ISSUES.toLocaleString("en")}+ issues inside Linear's limits (budgets scaled 1/${SCALE})`, () => {
  it("completes over as many runs as the budgets require: 0 lost, 0 duplicated, 0 refused", async () => {
    const gen = sims.workspace.project(0)!.linear;
    expect(gen.issues.length).toBeGreaterThanOrEqual(ISSUES);
    const http = { ...fastHttp, sleep: async (ms: number) => sims.linear.rate.advance(ms) };
    let now = END;
    const changed: string[] = [];
    const runs: { issuesWritten: number; complexity: number; requests: number; resumeAfterMin: number | null }[] = [];
    for (let run = 0; run < 200; run++) {
      const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "linear", now, http });
      expect(res.status, JSON.stringify(res)).toBe("ok");
      if (res.status !== "ok") return;
      const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "linear" } } });
      runs.push({ issuesWritten: res.counters.issuesWritten!, complexity: res.counters.complexity!, requests: res.counters.httpRequests!, resumeAfterMin: res.resumeAt ? (res.resumeAt.getTime() - now.getTime()) / 60_000 : null });
      if (!res.resumeAt) {
        expect(state.status).toBe("ok");
        break;
      }
      expect(state.status).toBe("partial");
      if (run === 1) {
        // Between runs, Linear changes one issue this sync has already written and one it has not
        // reached yet: both move behind the resume cursor (ordered by updatedAt) and arrive changed.
        const written = new Set((await db.prisma.linearIssue.findMany({ where: { projectId: fx.projectA.id }, select: { externalId: true } })).map((r) => r.externalId));
        const before = gen.issues.find((i) => written.has(i.id))!;
        const after = gen.issues.find((i) => !written.has(i.id))!;
        for (const [i, title] of [[before, "Changed after it was synced"], [after, "Changed before it was synced"]] as const) {
          i.title = title;
          i.updatedAt = new Date(END.getTime() + 3600_000);
        }
        changed.push(before.id, after.id);
      }
      // The follow-up job runs at resumeAt: the simulator's clock gets there too.
      sims.linear.rate.advance(res.resumeAt.getTime() - now.getTime());
      now = res.resumeAt;
    }
    const stats = sims.linear.rate.stats;
    console.log(
      `linear-budget: ${gen.issues.length} issues in ${runs.length} runs over ${((now.getTime() - END.getTime()) / 3600_000).toFixed(2)} simulated hours; ` +
        `${stats.requests} requests, ${stats.complexitySpent} points (largest query ${stats.maxComplexitySeen}); refused: ${stats.rateLimited} rate-limited, ${stats.tooComplex} too complex\n` +
        runs.map((r, i) => `  run ${i + 1}: ${r.issuesWritten} issues, ${r.requests} requests, ${r.complexity} points${r.resumeAfterMin !== null ? `, resume after ${r.resumeAfterMin.toFixed(1)} min` : ""}`).join("\n"),
    );

    // It took several budgets, and never went over one.
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.at(-1)!.resumeAfterMin).toBeNull();
    expect(stats.rateLimited).toBe(0);
    expect(stats.tooComplex).toBe(0);
    expect(stats.maxComplexitySeen).toBeLessThanOrEqual(8_000);

    // Every issue once: rows, and one issue_created event each.
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectA.id, deletedAt: null } })).toBe(gen.issues.length);
    const ids = await db.prisma.linearIssue.findMany({ where: { projectId: fx.projectA.id }, select: { externalId: true } });
    expect(new Set(ids.map((r) => r.externalId))).toEqual(new Set(gen.issues.map((i) => i.id)));
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, eventType: "issue_created" } })).toBe(gen.issues.length);
    // Each issue was written once across the runs (a resumed run does not write earlier pages again),
    // but for the one changed after it was written: that change is written too.
    expect(runs.reduce((n, r) => n + r.issuesWritten, 0)).toBe(gen.issues.length + 1);
    const titles = await db.prisma.linearIssue.findMany({ where: { projectId: fx.projectA.id, externalId: { in: changed } }, select: { externalId: true, title: true } });
    expect(Object.fromEntries(titles.map((t) => [t.externalId, t.title]))).toEqual({ [changed[0]!]: "Changed after it was synced", [changed[1]!]: "Changed before it was synced" });

    // An incremental run afterwards fits one budget and writes nothing.
    sims.linear.rate.advance(3600_000);
    const again = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "linear", now: new Date(now.getTime() + 3600_000), http });
    expect(again.status).toBe("ok");
    if (again.status !== "ok") return;
    expect(again.resumeAt).toBeUndefined();
    expect(again.counters.eventsWritten).toBe(0);
    expect(stats.rateLimited).toBe(0);
  }, 180_000);
});
