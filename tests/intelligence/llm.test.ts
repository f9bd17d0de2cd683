import { Logger, runOnce } from "graphile-worker";
import { Prisma } from "../../server/generated/prisma/client.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTaskList } from "../../jobs/task-list.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { refreshProjectRecommendations } from "../../server/services/intelligence/pipeline.ts";
import { listRecommendations } from "../../server/services/intelligence/recommendation-lifecycle.ts";
import { enqueueProjectJob } from "../../server/services/jobs/enqueue.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { SIM_OPENAI_KEY, startOpenAiSim } from "../../server/simulators/openai-sim.ts";
import type { SimServer } from "../../server/simulators/sim-server.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// The LLM boundary through the real `openai` client against a local OpenAI-compatible server.

const END = new Date("2026-11-20T00:00:00Z");
const NOW = new Date("2026-11-20T09:00:00Z");
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let openai: SimServer;
const llmEnv = () => testEnv({ OPENAI_API_KEY: SIM_OPENAI_KEY, OPENAI_BASE_URL: `${openai.url}/v1`, RECOMMENDATIONS_V2_LLM_TOP_N: "2" });
const chatCalls = () => openai.requests.filter((r) => r.path === "/v1/chat/completions").length;

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  openai = await startOpenAiSim();
  sims = await startSimulators({ seed: 8, projects: 2, days: 45, end: END, profiles: [{ clientName: "Hooli", name: "Hooli Web", situations: ["client_silence", "aging_blockers"] }, { clientName: "Vandelay", name: "Vandelay", situations: ["budget_overrun"] }] });
  for (const [i, p] of [fx.projectA, fx.projectB].entries()) {
    await bindProjectToSims(db.prisma, testEnv(), sims, p.id, i);
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, testEnv(), { projectId: p.id, connector: c, now: END, http: fastHttp })).status).toBe("ok");
  }
});
afterAll(async () => {
  await sims.close();
  await openai.close();
  await db.drop();
});

describe("LLM wording", () => {
  it("without a key: deterministic templates, marked as such, and no call", async () => {
    const res = await refreshProjectRecommendations(db.prisma, testEnv(), fx.projectB.id, NOW);
    expect(res.counters.llmReworded).toBeUndefined();
    const { items } = await listRecommendations(db.prisma, { projectId: fx.projectB.id, limit: 10 });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((r) => r.textSource === "template")).toBe(true);
    expect(chatCalls()).toBe(0);
  });

  it("with a key: the top N visible recommendations are reworded once; decisions and evidence stay the same", async () => {
    const before = await refreshProjectRecommendations(db.prisma, testEnv(), fx.projectA.id, NOW);
    const snapshot = (await db.prisma.recommendationV2.findMany({ where: { projectId: fx.projectA.id }, orderBy: { category: "asc" } })).map((r) => [r.category, r.priority, r.evidenceRefs]);
    expect(before.counters.recommendationsCreated).toBeGreaterThanOrEqual(2);

    const res = await refreshProjectRecommendations(db.prisma, llmEnv(), fx.projectA.id, NOW);
    expect(res.counters.llmReworded).toBe(2);
    expect(chatCalls()).toBe(2);
    const { items } = await listRecommendations(db.prisma, { projectId: fx.projectA.id, limit: 10 });
    const llm = items.filter((r) => r.textSource === "llm");
    expect(llm).toHaveLength(2);
    for (const r of llm) expect(r.title.startsWith("Next step: ")).toBe(true);
    expect((await db.prisma.recommendationV2.findMany({ where: { projectId: fx.projectA.id }, orderBy: { category: "asc" } })).map((r) => [r.category, r.priority, r.evidenceRefs])).toEqual(snapshot);
    // The key and the model's name went over the wire as the OpenAI API expects.
    const call = openai.requests.find((r) => r.path === "/v1/chat/completions")!;
    expect(call.headers.authorization).toBe(`Bearer ${SIM_OPENAI_KEY}`);
    expect((call.body as { model: string }).model).toBe("gpt-4o-mini");

    // Nothing changed: a refresh does not ask the model again.
    await refreshProjectRecommendations(db.prisma, llmEnv(), fx.projectA.id, NOW);
    expect(chatCalls()).toBe(2);
  });

  it.each([
    ["429 rate limit", { kind: "429", retryAfterSeconds: 0 } as const],
    ["500 server error", { kind: "5xx", status: 500 } as const],
  ])("%s → the job still succeeds, templates are shown, and a process_warning says why", async (_label, fault) => {
    await db.prisma.recommendationV2.updateMany({ where: { projectId: fx.projectA.id }, data: { llmText: Prisma.DbNull } });
    openai.failAlways(fault);
    try {
      await enqueueProjectJob(db.prisma, { task: "kag_recommendations_refresh", payload: { projectId: fx.projectA.id, trigger: "manual" }, maxAttempts: 3 });
      await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env: llmEnv(), workerId: "llm-test", now: () => NOW }), logger: new Logger(() => () => {}) });
    } finally {
      openai.failAlways(null);
    }
    const run = await db.prisma.jobRun.findFirstOrThrow({ where: { projectId: fx.projectA.id, task: "kag_recommendations_refresh" }, orderBy: { id: "desc" } });
    expect(run.status).toBe("succeeded");
    const warnings = await db.prisma.eventLog.findMany({ where: { projectId: fx.projectA.id, eventType: "process_warning", sourceRef: `job_run:${run.id}` } });
    expect(warnings.map((w) => String((w.payload as { message?: string }).message)).filter((m) => /LLM unavailable .*template/.test(m))).toHaveLength(2);
    const { items } = await listRecommendations(db.prisma, { projectId: fx.projectA.id, limit: 10 });
    expect(items.every((r) => r.textSource === "template")).toBe(true);
  });
});
