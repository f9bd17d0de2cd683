import { afterAll, beforeAll, expect, it } from "vitest";
import { seedDemoWorkspace } from "../server/services/seed/demo-workspace.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";
import { testEnv } from "./helpers/fixtures.ts";
import { resolveSource } from "../server/services/connectors/sources.ts";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

it("seeds the demo workspace once and never over existing data", async () => {
  const env = testEnv();
  const first = await seedDemoWorkspace(db.prisma, { now: new Date(), env });
  expect(first.created).toBe(true);
  expect(first.projectIds.length).toBeGreaterThanOrEqual(3);
  const demo = await db.prisma.user.findUniqueOrThrow({ where: { email: "demo@controltower.dev" }, include: { memberships: true } });
  expect(demo.memberships.length).toBeGreaterThanOrEqual(3);
  expect(await db.prisma.scheduledJob.count()).toBeGreaterThan(0);

  // A user edits something, then the demo command runs again.
  await db.prisma.project.update({ where: { id: first.projectIds[0]! }, data: { name: "Renamed by a user" } });
  // Every demo project is connected to its simulated accounts, flagged as demo data.
  const sources = await db.prisma.projectSource.findMany();
  expect(sources).toHaveLength(first.projectIds.length * 3);
  expect(sources.every((s) => s.isDemo && s.baseUrl?.startsWith("http://127.0.0.1:"))).toBe(true);
  expect((await resolveSource(db.prisma, env, first.projectIds[0]!, "linear")).token).toBe("lin_api_lin-p0000");
  expect(JSON.stringify(sources.map((s) => s.config))).not.toContain("lin_api_"); // tokens are stored encrypted

  const again = await seedDemoWorkspace(db.prisma, { now: new Date(), env });
  expect(await db.prisma.projectSource.count()).toBe(sources.length);
  expect(again.created).toBe(false);
  expect(await db.prisma.project.count()).toBe(first.projectIds.length);
  expect((await db.prisma.project.findUniqueOrThrow({ where: { id: first.projectIds[0]! } })).name).toBe("Renamed by a user");
});
