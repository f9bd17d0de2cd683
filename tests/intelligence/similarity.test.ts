import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nearestSignatures } from "../../server/services/intelligence/similarity.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, type Fixture } from "../helpers/fixtures.ts";

// HNSW against the exact scan on a test set: same workspace filter, same window, recall@10.

let db: TestDb;
let fx: Fixture;
const N = 3000;

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  // N projects with seeded random 14-d signatures in workspace A, 300 in workspace B (must never show up).
  await db.prisma.$executeRawUnsafe(`SELECT setseed(0.42)`);
  for (const [ws, n, prefix] of [[fx.ws.id, N, "a"], [fx.ws2.id, 300, "b"]] as const) {
    await db.prisma.$executeRawUnsafe(`
      WITH p AS (
        INSERT INTO projects (id, workspace_id, slug, name) SELECT gen_random_uuid(), '${ws}'::uuid, '${prefix}-' || g, 'P ' || g FROM generate_series(1, ${n}) g RETURNING id
      )
      INSERT INTO case_signatures (project_id, workspace_id, window_days, signature, signature_hash, ngrams, features, context, computed_at)
      SELECT p.id, '${ws}'::uuid, 14, (SELECT array_agg(round(random()::numeric, 4))::float4[] FROM generate_series(1, 14) WHERE p.id IS NOT NULL)::vector, md5(p.id::text), '{}', '{}', '{}', now() FROM p`);
  }
  await db.prisma.$executeRawUnsafe(`ANALYZE case_signatures`);
}, 120_000);
afterAll(() => db.drop());

describe("similar-case search", () => {
  it("uses the HNSW index, stays in the workspace, and finds what the exact scan finds (recall@10)", async () => {
    const queries = await db.prisma.$queryRaw<{ project_id: string; v: string }[]>`
      SELECT project_id, signature::text AS v FROM case_signatures WHERE workspace_id = ${fx.ws.id}::uuid ORDER BY signature_hash LIMIT 50`;
    const plan = await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL hnsw.iterative_scan = strict_order`);
      return tx.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN SELECT project_id FROM case_signatures WHERE workspace_id = '${fx.ws.id}' AND window_days = 14 ORDER BY signature <-> '${queries[0]!.v}'::vector LIMIT 10`);
    });
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toContain("case_signatures_signature_hnsw");

    let hits = 0;
    for (const q of queries) {
      const vector = JSON.parse(q.v) as number[];
      const args = { workspaceId: fx.ws.id, windowDays: 14, vector, excludeProjectId: q.project_id, limit: 10 };
      const [approx, exact] = await Promise.all([nearestSignatures(db.prisma, args), nearestSignatures(db.prisma, { ...args, exact: true })]);
      expect(exact).toHaveLength(10);
      expect(approx.map((r) => r.project_id)).not.toContain(q.project_id);
      const truth = new Set(exact.map((r) => r.project_id));
      hits += approx.filter((r) => truth.has(r.project_id)).length;
      // Exact results really are in distance order.
      for (let i = 1; i < exact.length; i++) expect(exact[i]!.distance).toBeGreaterThanOrEqual(exact[i - 1]!.distance);
    }
    const recall = hits / (queries.length * 10);
    console.info(`similar cases: recall@10 of HNSW vs exact scan over ${N} signatures, ${queries.length} queries = ${recall.toFixed(3)}`);
    expect(recall).toBeGreaterThanOrEqual(0.95);

    const ws2 = new Set((await db.prisma.project.findMany({ where: { workspaceId: fx.ws2.id }, select: { id: true } })).map((p) => p.id));
    const res = await nearestSignatures(db.prisma, { workspaceId: fx.ws.id, windowDays: 14, vector: JSON.parse(queries[0]!.v), limit: 200 });
    expect(res).toHaveLength(200);
    expect(res.some((r) => ws2.has(r.project_id))).toBe(false);
  });
});
