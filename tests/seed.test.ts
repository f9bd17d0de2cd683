import { afterAll, beforeAll, expect, it } from "vitest";
import { seedDemoWorkspace } from "../server/services/seed/demo-workspace.ts";
import { createTestDb, type TestDb } from "./helpers/db.ts";

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

it("seeds the demo workspace once and never over existing data", async () => {
  const first = await seedDemoWorkspace(db.prisma, { now: new Date() });
  expect(first.created).toBe(true);
  expect(first.projectIds.length).toBeGreaterThanOrEqual(3);
  const demo = await db.prisma.user.findUniqueOrThrow({ where: { email: "demo@controltower.dev" }, include: { memberships: true } });
  expect(demo.memberships.length).toBeGreaterThanOrEqual(3);
  expect(await db.prisma.scheduledJob.count()).toBeGreaterThan(0);

  // A user edits something, then the demo command runs again.
  await db.prisma.project.update({ where: { id: first.projectIds[0]! }, data: { name: "Renamed by a user" } });
  const again = await seedDemoWorkspace(db.prisma, { now: new Date() });
  expect(again.created).toBe(false);
  expect(await db.prisma.project.count()).toBe(first.projectIds.length);
  expect((await db.prisma.project.findUniqueOrThrow({ where: { id: first.projectIds[0]! } })).name).toBe("Renamed by a user");
});
