import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../tests/helpers/db.ts";
import { callerAs, codeOf, sessionAuth } from "../../tests/helpers/callers.ts";
import { seedFixture, testEnv, type Fixture } from "../../tests/helpers/fixtures.ts";

// Members and roles, through the same procedures the settings page calls.

let db: TestDb;
let fx: Fixture;
const env = testEnv();
beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
});
afterAll(() => db.drop());

describe("members and roles", () => {
  it("an owner adds a workspace colleague, changes their role and removes them, every step audited", async () => {
    const owner = callerAs(db, env, sessionAuth(fx.owner));
    const p = fx.projectA.id;
    expect((await owner.projects.memberCandidates({ projectId: p })).map((u) => u.email)).toEqual([fx.outsider.email]);
    await owner.projects.addMember({ projectId: p, email: fx.outsider.email.toUpperCase(), role: "viewer" });
    // The new member sees the project now.
    expect((await callerAs(db, env, sessionAuth(fx.outsider)).projects.list()).map((x) => x.id)).toContain(p);
    expect(await codeOf(owner.projects.addMember({ projectId: p, email: fx.outsider.email, role: "pm" }))).toBe("CONFLICT");
    await owner.projects.setMemberRole({ projectId: p, userId: fx.outsider.id, role: "pm" });
    expect((await owner.projects.members({ projectId: p })).find((m) => m.userId === fx.outsider.id)?.role).toBe("pm");
    await owner.projects.removeMember({ projectId: p, userId: fx.outsider.id });
    expect(await codeOf(callerAs(db, env, sessionAuth(fx.outsider)).projects.get({ projectId: p }))).toBe("NOT_FOUND");
    const audit = await db.prisma.auditEvent.findMany({ where: { projectId: p, action: { startsWith: "member." } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["member.added", "member.role_changed", "member.removed"]);
  });

  it("users of another workspace cannot be found, let alone added", async () => {
    const owner = callerAs(db, env, sessionAuth(fx.owner));
    expect(await codeOf(owner.projects.addMember({ projectId: fx.projectA.id, email: fx.stranger.email, role: "viewer" }))).toBe("NOT_FOUND");
  });

  it("a project keeps at least one owner", async () => {
    const owner = callerAs(db, env, sessionAuth(fx.owner));
    expect(await codeOf(owner.projects.setMemberRole({ projectId: fx.projectA.id, userId: fx.owner.id, role: "pm" }))).toBe("CONFLICT");
    expect(await codeOf(owner.projects.removeMember({ projectId: fx.projectA.id, userId: fx.owner.id }))).toBe("CONFLICT");
    // With a second owner, the first may step down.
    await owner.projects.setMemberRole({ projectId: fx.projectA.id, userId: fx.pm.id, role: "owner" });
    await owner.projects.setMemberRole({ projectId: fx.projectA.id, userId: fx.owner.id, role: "pm" });
    expect((await owner.projects.members({ projectId: fx.projectA.id })).filter((m) => m.role === "owner").map((m) => m.userId)).toEqual([fx.pm.id]);
  });
});
