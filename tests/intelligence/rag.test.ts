import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { embedPending, searchProject, syncChunks } from "../../server/services/rag/rag.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { SIM_OPENAI_KEY, startOpenAiSim } from "../../server/simulators/openai-sim.ts";
import type { SimServer } from "../../server/simulators/sim-server.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

const END = new Date("2026-11-20T00:00:00Z");
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let openai: SimServer;
const env = testEnv();

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  openai = await startOpenAiSim();
  sims = await startSimulators({ seed: 21, projects: 2, days: 40, end: END, profiles: [{ clientName: "Initech", name: "Initech", situations: ["client_silence", "budget_overrun"] }, { clientName: "Hooli", name: "Hooli", situations: ["upsell_need"] }] });
  for (const [i, p] of [fx.projectA, fx.projectB].entries()) {
    await bindProjectToSims(db.prisma, env, sims, p.id, i);
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: p.id, connector: c, now: END, http: fastHttp })).status).toBe("ok");
  }
});
afterAll(async () => {
  await sims.close();
  await openai.close();
  await db.drop();
});

describe("RAG", () => {
  it("chunks messages, issues and notes once; re-running changes nothing", async () => {
    const first = await syncChunks(db.prisma, fx.projectA.id);
    const gen = sims.workspace.project(0)!;
    const texts = gen.chatwoot.conversations.flatMap((c) => c.messages).filter((m) => !m.private && m.message_type <= 1 && m.content).length + gen.linear.issues.length + gen.attio.notes.length;
    expect(first.upserted).toBe(texts);
    expect(await db.prisma.ragChunk.count({ where: { projectId: fx.projectA.id } })).toBe(texts);
    expect(await syncChunks(db.prisma, fx.projectA.id)).toEqual({ upserted: 0, removed: 0 });
  });

  it("embeds pending chunks with the local embedder when no key is set, recording the model; once", async () => {
    const res = await embedPending(db.prisma, env, fx.projectA.id);
    expect(res.model).toBe("local-trigram-v1");
    expect(res.embedded).toBe(await db.prisma.ragChunk.count({ where: { projectId: fx.projectA.id } }));
    expect((await embedPending(db.prisma, env, fx.projectA.id)).embedded).toBe(0);
  });

  it("finds the planted approval request, with a link, inside the project only, using the HNSW index", async () => {
    await syncChunks(db.prisma, fx.projectB.id);
    await embedPending(db.prisma, env, fx.projectB.id);
    const planted = sims.workspace.project(0)!.situations.find((s) => s.kind === "client_silence")!.evidence.chatwootMessageIds;
    // Words of the planted approval request (its text is drawn from the generator's pool).
    const plantedText = sims.workspace.project(0)!.chatwoot.conversations.flatMap((c) => c.messages).find((m) => m.id === planted[0])!.content;
    const query = plantedText.split(/\s+/).filter((w) => w.length > 4).slice(2, 7).join(" ");
    const { hits, model } = await searchProject(db.prisma, env, { projectId: fx.projectA.id, query, limit: 5 });
    expect(model).toBe("local-trigram-v1");
    expect(hits.slice(0, 3).map((h) => h.evidence.id)).toEqual(expect.arrayContaining([String(planted[0])]));
    const top = hits.find((h) => h.evidence.id === String(planted[0]))!;
    expect(top.evidence).toMatchObject({ kind: "message" });
    expect(top.evidence.url).toMatch(/\/app\/accounts\/1000\/conversations\/\d+$/);
    expect(top.semanticRank).not.toBeNull();
    expect(top.keywordRank).not.toBeNull();
    // Project B's search never returns A's chunks.
    const aIds = new Set((await db.prisma.ragChunk.findMany({ where: { projectId: fx.projectA.id }, select: { sourceId: true } })).map((c) => c.sourceId));
    const other = await searchProject(db.prisma, env, { projectId: fx.projectB.id, query, limit: 20 });
    expect(other.hits.length).toBeGreaterThan(0);
    expect(other.hits.some((h) => aIds.has(h.evidence.id))).toBe(false);
    const plan = await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL enable_seqscan = off`);
      const v = (await tx.$queryRawUnsafe<{ v: string }[]>(`SELECT embedding::text AS v FROM rag_chunks LIMIT 1`))[0]!.v;
      return tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN SELECT id FROM rag_chunks ORDER BY embedding <=> '${v}'::vector LIMIT 10`);
    });
    expect(plan.map((p) => p["QUERY PLAN"]).join("\n")).toContain("rag_chunks_embedding_hnsw");
  });

  it("a message deleted upstream loses its chunk", async () => {
    const msg = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: fx.projectA.id, content: { not: null } } });
    await db.prisma.cwMessage.update({ where: { projectId_externalId: { projectId: fx.projectA.id, externalId: msg.externalId } }, data: { deletedAt: END } });
    expect((await syncChunks(db.prisma, fx.projectA.id)).removed).toBe(1);
    expect(await db.prisma.ragChunk.count({ where: { projectId: fx.projectA.id, sourceKind: "message", sourceId: msg.externalId } })).toBe(0);
  });

  it("with an OpenAI key: re-embeds with the configured model; a failing API marks chunks failed with a reason, and the next run recovers", async () => {
    const keyed = testEnv({ OPENAI_API_KEY: SIM_OPENAI_KEY, OPENAI_BASE_URL: `${openai.url}/v1` });
    openai.failAlways({ kind: "5xx", status: 500 });
    const failed = await embedPending(db.prisma, keyed, fx.projectB.id);
    openai.failAlways(null);
    expect(failed.failed).toBeGreaterThan(0);
    expect(failed.warnings[0]).toMatch(/embedding .* failed/);
    const f = await db.prisma.ragChunk.findFirstOrThrow({ where: { projectId: fx.projectB.id, embeddingStatus: "failed" } });
    expect(f.embeddingAttempts).toBe(1);
    expect(f.embeddingError).toMatch(/500/);
    const ok = await embedPending(db.prisma, keyed, fx.projectB.id);
    expect(ok.model).toBe("text-embedding-3-small");
    expect(ok.failed, ok.warnings.join("; ")).toBe(0);
    const left = await db.prisma.ragChunk.groupBy({ by: ["embeddingStatus", "embeddingModel"], where: { projectId: fx.projectB.id }, _count: true });
    expect(left.map((g) => [g.embeddingStatus, g.embeddingModel])).toEqual([["ready", "text-embedding-3-small"]]);
    const call = openai.requests.find((r) => r.path === "/v1/embeddings" && r.method === "POST")!;
    expect(call.body).toMatchObject({ model: "text-embedding-3-small", dimensions: 1536 });
  });
});
