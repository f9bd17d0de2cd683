import { spawnSync } from "node:child_process";
import path from "node:path";
import { Logger, runOnce } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTaskList } from "../../jobs/task-list.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { refreshSignalsAndScores } from "../../server/services/intelligence/pipeline.ts";
import { enqueueProjectJob } from "../../server/services/jobs/enqueue.ts";
import { correctLabel } from "../../server/services/understanding/corrections.ts";
import { readCorpus } from "../../server/services/understanding/corpus.ts";
import { baseModel } from "../../server/services/understanding/local-engine.ts";
import { openAiEngineVersion } from "../../server/services/understanding/openai-engine.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { SIM_OPENAI_KEY, startOpenAiSim } from "../../server/simulators/openai-sim.ts";
import type { SimServer } from "../../server/simulators/sim-server.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// Message understanding end to end: the sync reads every message as it arrives (local engine) and
// its labels become events quoting their span; a person's correction counts at once and teaches the
// workspace's model; with a language model configured, message_understanding reads messages with
// it within a daily budget, and falls back to the local engine when it fails.

const END = new Date("2026-11-20T00:00:00Z");
const NOW = new Date("2026-11-20T09:00:00Z");
const silent = new Logger(() => () => {});
const env = testEnv();
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let openai: SimServer;
const A = () => fx.projectA.id;
const actor = () => ({ type: "user" as const, userId: fx.pm.id, workspaceId: fx.ws.id });
const llmEnv = (extra: Record<string, string> = {}) => testEnv({ OPENAI_API_KEY: SIM_OPENAI_KEY, OPENAI_BASE_URL: `${openai.url}/v1`, ...extra });

async function run(task: string, payload: Record<string, unknown>, taskEnv = env) {
  if ("projectId" in payload) await enqueueProjectJob(db.prisma, { task, payload: { projectId: String(payload.projectId), trigger: "manual" }, maxAttempts: 1 });
  else await db.prisma.$queryRaw`SELECT graphile_worker.add_job(${task}, payload := ${JSON.stringify(payload)}::json, max_attempts := 1)`;
  await runOnce({ pgPool: db.pool, taskList: buildTaskList({ db: db.prisma, env: taskEnv, workerId: "understanding-test", now: () => NOW }), logger: silent });
  return db.prisma.jobRun.findFirstOrThrow({ where: { task }, orderBy: { id: "desc" } });
}

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  openai = await startOpenAiSim();
  sims = await startSimulators({ seed: 31, projects: 1, days: 40, end: END, profiles: [{ clientName: "Soylent", name: "Soylent Portal", situations: ["scope_creep"], language: "en" }] });
  await bindProjectToSims(db.prisma, env, sims, A(), 0);
  for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: A(), connector: c, now: END, http: fastHttp })).status).toBe("ok");
}, 60_000);
afterAll(async () => {
  await sims?.close();
  await openai?.close();
  await db?.drop();
});

const planted = () => sims.workspace.project(0)!.situations.find((s) => s.kind === "scope_creep")!.evidence.chatwootMessageIds.map(String);

describe("message understanding", () => {
  it("the sync reads every message once and turns its labels into events that quote the span", async () => {
    const messages = await db.prisma.cwMessage.count({ where: { projectId: A(), private: false, messageType: { in: [0, 1] } } });
    const rows = await db.prisma.messageUnderstanding.findMany({ where: { projectId: A(), engine: "local" } });
    expect(rows).toHaveLength(messages);
    expect(new Set(rows.map((r) => r.engineVersion))).toEqual(new Set([baseModel().version]));
    // The planted out-of-scope requests (drawn from the generator's own texts, never seen in training) are found.
    const events = await db.prisma.eventLog.findMany({ where: { projectId: A(), eventType: "scope_change_requested" } });
    const found = new Set(events.map((e) => String((e.payload as { messageId: number }).messageId)));
    expect(planted().filter((id) => found.has(id)).length).toBeGreaterThanOrEqual(planted().length - 1);
    for (const e of events) {
      const msg = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: A(), externalId: String((e.payload as { messageId: number }).messageId) } });
      const span = (e.evidenceRefs as { snippet: string }[])[0]!.snippet;
      expect(msg.content).toContain(span);
      expect(e.payload).toMatchObject({ engine: "local", span });
    }
    // A re-sync reads nothing again and writes nothing twice.
    const before = await db.prisma.messageUnderstanding.findMany({ where: { projectId: A() }, select: { messageId: true, updatedAt: true } });
    expect((await runConnectorSync(db.prisma, env, { projectId: A(), connector: "chatwoot", now: new Date(END.getTime() + 3600_000), http: fastHttp })).status).toBe("ok");
    expect(await db.prisma.messageUnderstanding.findMany({ where: { projectId: A() }, select: { messageId: true, updatedAt: true } })).toEqual(before);
    expect(await db.prisma.eventLog.count({ where: { projectId: A(), eventType: "scope_change_requested" } })).toBe(events.length);
  });

  it("a person's correction counts at once in the signals, is audited, and the workspace's model learns from it (measured on held-back corrections)", async () => {
    await refreshSignalsAndScores(db.prisma, env, A(), NOW);
    const scopeBefore = (await db.prisma.kagSignal.findFirstOrThrow({ where: { projectId: A(), signalKey: "scope_creep_rate" } })).details as { scopeRequests7d: number };
    expect(scopeBefore.scopeRequests7d).toBeGreaterThan(0);
    const flagged = (await db.prisma.messageUnderstanding.findMany({ where: { projectId: A(), engine: "local" } }))
      .filter((r) => (r.labels as { label: string }[]).some((l) => l.label === "scope_change")).map((r) => r.messageId);
    for (const id of flagged) await correctLabel(db.prisma, { projectId: A(), messageId: id, label: "scope_change", applies: false, actor: actor() });
    await refreshSignalsAndScores(db.prisma, env, A(), NOW);
    const scopeAfter = (await db.prisma.kagSignal.findFirstOrThrow({ where: { projectId: A(), signalKey: "scope_creep_rate" } })).details as { scopeRequests7d: number };
    expect(scopeAfter.scopeRequests7d).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { action: "message_understanding.corrected", projectId: A() } })).toBe(flagged.length);
    // A label that does not fit the author is refused.
    const teamMessage = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: A(), messageType: 1, private: false } });
    await expect(correctLabel(db.prisma, { projectId: A(), messageId: teamMessage.externalId, label: "scope_change", applies: true, actor: actor() })).rejects.toThrow(/only to client messages/);
    // Undo: the engine's reading counts again.
    await correctLabel(db.prisma, { projectId: A(), messageId: flagged[0]!, label: "scope_change", applies: null, actor: actor() });
    await refreshSignalsAndScores(db.prisma, env, A(), NOW);
    expect(((await db.prisma.kagSignal.findFirstOrThrow({ where: { projectId: A(), signalKey: "scope_creep_rate" } })).details as { scopeRequests7d: number }).scopeRequests7d).toBeGreaterThan(0);

    // Retraining: the workspace gets its own model, measured on the corrections it did not learn from, and its messages are read again.
    const retrain = await run("understanding_retrain", { workspaceId: fx.ws.id });
    expect(retrain.status).toBe("succeeded");
    const model = await db.prisma.understandingModel.findUniqueOrThrow({ where: { workspaceId: fx.ws.id } });
    expect(model.corrections).toBe(flagged.length - 1);
    expect(model.metrics).toMatchObject({ corrections: flagged.length - 1 });
    expect(model.version).not.toBe(baseModel().version);
    expect((await run("message_understanding", { projectId: A() })).status).toBe("succeeded");
    const versions = new Set((await db.prisma.messageUnderstanding.findMany({ where: { projectId: A(), engine: "local" } })).map((r) => r.engineVersion));
    expect(versions).toEqual(new Set([model.version]));
  });

  it("with a language model: reads messages in batches with structured output, records its tokens, stops at the daily budget", async () => {
    const calls = () => openai.requests.filter((r) => r.path === "/v1/chat/completions").length;
    const res = await run("message_understanding", { projectId: A() }, llmEnv({ UNDERSTANDING_BATCH_SIZE: "10" }));
    expect(res.status).toBe("succeeded");
    const messages = await db.prisma.cwMessage.count({ where: { projectId: A(), private: false, messageType: { in: [0, 1] } } });
    const llmRows = await db.prisma.messageUnderstanding.findMany({ where: { projectId: A(), engine: "openai" } });
    expect(llmRows).toHaveLength(messages);
    expect(new Set(llmRows.map((r) => r.engineVersion))).toEqual(new Set([openAiEngineVersion("gpt-4o-mini")]));
    expect(calls()).toBe(Math.ceil(messages / 10));
    const request = openai.requests.find((r) => r.path === "/v1/chat/completions")!.body as { response_format: { type: string; json_schema: { name: string; strict: boolean } } };
    expect(request.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "message_understanding", strict: true } });
    const usage = await db.prisma.understandingUsage.findFirstOrThrow({ where: { workspaceId: fx.ws.id } });
    expect(usage.calls).toBe(calls());
    expect(usage.tokens).toBe((res.counters as { llmTokens: number }).llmTokens);
    // Nothing new to read: no call.
    await run("message_understanding", { projectId: A() }, llmEnv());
    expect(calls()).toBe(Math.ceil(messages / 10));

    // A new message arrives; the day's budget is already spent: it stays with the local engine, and the run says so.
    const conv = sims.workspace.project(0)!.chatwoot.conversations[0]!;
    await fetch(`${sims.chatwoot.url}/api/v1/accounts/${sims.workspace.project(0)!.chatwoot.accountId}/conversations/${conv.id}/messages`, {
      method: "POST", headers: { "content-type": "application/json", api_access_token: "cw-sim-token" }, body: JSON.stringify({ content: "Could you also add a German version of the FAQ page?", message_type: "incoming" }),
    });
    expect((await runConnectorSync(db.prisma, env, { projectId: A(), connector: "chatwoot", now: new Date(), http: fastHttp })).status).toBe("ok");
    const spent = await run("message_understanding", { projectId: A() }, llmEnv({ UNDERSTANDING_DAILY_TOKEN_BUDGET: String(usage.tokens) }));
    expect(spent.status).toBe("succeeded");
    expect(calls()).toBe(Math.ceil(messages / 10));
    const warning = await db.prisma.eventLog.findFirst({ where: { eventType: "process_warning", sourceRef: `job_run:${spent.id}` } });
    expect(JSON.stringify(warning?.payload)).toMatch(/budget/);
  });

  it("a failing language model never fails the run: the local engine's reading stands and the run warns", async () => {
    openai.failAlways({ kind: "5xx", status: 503 });
    try {
      const res = await run("message_understanding", { projectId: A() }, llmEnv({ UNDERSTANDING_DAILY_TOKEN_BUDGET: "100000000" }));
      expect(res.status).toBe("succeeded");
      const warning = await db.prisma.eventLog.findFirst({ where: { eventType: "process_warning", sourceRef: `job_run:${res.id}` } });
      expect(JSON.stringify(warning?.payload)).toMatch(/local engine/);
    } finally {
      openai.failAlways(null);
    }
    // The new message is read by the language model once it is back.
    expect((await run("message_understanding", { projectId: A() }, llmEnv({ UNDERSTANDING_DAILY_TOKEN_BUDGET: "100000000" }))).status).toBe("succeeded");
    const newest = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: A() }, orderBy: { sourceCreatedAt: "desc" } });
    expect(await db.prisma.messageUnderstanding.findUnique({ where: { projectId_messageId_engine: { projectId: A(), messageId: newest.externalId, engine: "openai" } } })).not.toBeNull();
  });

  it("a model retrained on corrections that call ordinary client messages scope requests is not trusted: it reads the other messages differently, so the base model stays and the run says why", async () => {
    await db.prisma.understandingCorrection.deleteMany({ where: { projectId: A() } });
    // A busy conversation of ordinary client messages (none asks for extra work) …
    const ordinary = [...readCorpus("test"), ...readCorpus("train")].filter((r) => r.from === "client" && r.labels.length === 0).slice(0, 1000);
    const account = (await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: A() } })).accountId;
    await db.prisma.cwMessage.createMany({ data: ordinary.map((r, i) => ({
      projectId: A(), externalId: `poison-${i}`, accountId: account, conversationExternalId: "poison", senderType: "contact", senderId: "poison",
      messageType: 0, content: r.text, sourceCreatedAt: new Date(END.getTime() - (i + 1) * 60_000),
    })) });
    try {
      // … of which someone marks four in five as scope requests.
      const marked = ordinary.map((_, i) => `poison-${i}`).filter((_, i) => i % 5 !== 0);
      for (const id of marked) await correctLabel(db.prisma, { projectId: A(), messageId: id, label: "scope_change", applies: true, actor: actor() });
      const res = await run("understanding_retrain", { workspaceId: fx.ws.id });
      expect(res.status).toBe("succeeded");
      expect(res.counters).toMatchObject({ adopted: 0 });
      expect(await db.prisma.understandingModel.count({ where: { workspaceId: fx.ws.id } })).toBe(0);
      const warning = await db.prisma.eventLog.findFirst({ where: { eventType: "process_warning", sourceRef: `job_run:${res.id}` } });
      expect(JSON.stringify(warning?.payload)).toMatch(/not trusted/);
      // The corrections still count on their own messages.
      expect(await db.prisma.understandingCorrection.count({ where: { projectId: A(), applies: true } })).toBe(marked.length);
    } finally {
      await db.prisma.understandingCorrection.deleteMany({ where: { projectId: A() } });
      await db.prisma.cwMessage.deleteMany({ where: { projectId: A(), conversationExternalId: "poison" } });
    }
  });

  it("npm run classify reads JSON lines on stdin and answers one line each, without a database; bad lines get an error line", () => {
    const input = [
      JSON.stringify({ id: "a", from: "client", text: "Можно ещё добавить выгрузку заказов в 1С? В договоре её не было." }),
      "not json",
      JSON.stringify({ id: "b", from: "team", text: "" }),
      JSON.stringify({ id: "c", from: "nobody", text: "x" }),
    ].join("\n");
    const res = spawnSync(process.execPath, ["--import", "tsx", path.resolve("scripts/classify.ts")], { input, encoding: "utf8", env: { ...process.env, DATABASE_URL: "", OPENAI_API_KEY: "" } });
    expect(res.status, res.stderr).toBe(0);
    const lines = res.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ id: "a", language: "ru", engine: "local" });
    expect(Array.isArray(lines[0]!.labels)).toBe(true);
    for (const e of lines[0]!.evidence as { span: string }[]) expect(JSON.parse(input.split("\n")[0]!).text).toContain(e.span);
    expect(lines[1]).toMatchObject({ error: expect.stringMatching(/not JSON/) });
    expect(lines[2]).toMatchObject({ id: "b", labels: [] });
    expect(lines[3]).toMatchObject({ id: "c", error: expect.stringMatching(/from/) });
  });
});
