import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../tests/helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../../tests/helpers/fixtures.ts";
import { allProcedures, callerAs, codeOf, procedureAt, sessionAuth, tokenAuth } from "../../tests/helpers/callers.ts";

let db: TestDb;
let fx: Fixture;
const env = testEnv();
const procedures = allProcedures();
const projectProcs = procedures.filter((p) => p.projectScoped);

// Procedures that act on no single project. A new one must be added here on purpose, after
// deciding it cannot leak another project's data.
const NOT_PROJECT_SCOPED = ["health", "auth.login", "auth.logout", "auth.me", "projects.list", "projects.portfolio", "projects.portfolioDigest", "tokens.list", "tokens.create", "tokens.revoke", "preferences.get", "preferences.setTimeZone", "preferences.setCurrency"];

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
});
afterAll(() => db.drop());

describe("project scope is a security boundary", () => {
  it("the portfolio lists only the caller's projects (and a restricted token's one project)", async () => {
    const outsider = await callerAs(db, env, sessionAuth(fx.outsider)).projects.portfolio();
    expect(outsider.map((p) => p.id)).toEqual([fx.projectB.id]);
    const restricted = await callerAs(db, env, tokenAuth(fx.owner, { projectId: fx.projectB.id })).projects.portfolio();
    expect(restricted.map((p) => p.id)).toEqual([fx.projectB.id]);
    const owner = await callerAs(db, env, sessionAuth(fx.owner)).projects.portfolio();
    expect(owner.map((p) => p.id).sort()).toEqual([fx.projectA.id, fx.projectB.id].sort());
    const digest = await callerAs(db, env, sessionAuth(fx.outsider)).projects.portfolioDigest({ kind: "daily" });
    expect(digest.projects.map((p) => p.projectId)).toEqual([fx.projectB.id]);
  });

  it("every procedure is either project-scoped or deliberately listed as not", () => {
    const unscoped = procedures.filter((p) => !p.projectScoped).map((p) => p.path).sort();
    expect(unscoped).toEqual([...NOT_PROJECT_SCOPED].sort());
    expect(projectProcs.length).toBeGreaterThan(5);
  });

  it.each(projectProcs.map((p) => [p.path, p]))("%s: refused to a user with no membership, in or outside the workspace", async (path) => {
    for (const user of [fx.outsider, fx.stranger]) {
      const caller = callerAs(db, env, sessionAuth(user));
      expect(await codeOf(procedureAt(caller, path)({ projectId: fx.projectA.id, task: "event_log_retention", tokenId: fx.projectA.id }))).toBe("NOT_FOUND");
    }
  });

  it.each(projectProcs.map((p) => [p.path, p]))("%s: refused to a token restricted to another project", async (path) => {
    // owner is a member of A and B, but this token is restricted to B.
    const caller = callerAs(db, env, tokenAuth(fx.owner, { projectId: fx.projectB.id }));
    expect(await codeOf(procedureAt(caller, path)({ projectId: fx.projectA.id, task: "event_log_retention" }))).toBe("NOT_FOUND");
  });

  it.each(projectProcs.filter((p) => p.type === "mutation" && p.minRole !== "viewer").map((p) => [p.path, p]))("%s: a viewer and a read-only token cannot mutate", async (path) => {
    const viewer = callerAs(db, env, sessionAuth(fx.viewer));
    expect(await codeOf(procedureAt(viewer, path)({ projectId: fx.projectA.id, task: "event_log_retention" }))).toBe("FORBIDDEN");
    const readOnly = callerAs(db, env, tokenAuth(fx.owner, { readOnly: true }));
    expect(await codeOf(procedureAt(readOnly, path)({ projectId: fx.projectA.id, task: "event_log_retention" }))).toBe("FORBIDDEN");
  });

  it.each(projectProcs.filter((p) => p.type === "query" && (p.minRole ?? "viewer") === "viewer").map((p) => [p.path, p]))("%s: a viewer can read", async (path) => {
    const viewer = callerAs(db, env, sessionAuth(fx.viewer));
    expect(await codeOf(procedureAt(viewer, path)({ projectId: fx.projectA.id }))).toBe("OK");
  });

  it.each(projectProcs.filter((p) => p.type === "query" && p.minRole === "pm").map((p) => [p.path, p]))("%s: a query for PMs is refused to a viewer (a pm is not refused)", async (path) => {
    const viewer = callerAs(db, env, sessionAuth(fx.viewer));
    expect(await codeOf(procedureAt(viewer, path)({ projectId: fx.projectA.id, id: fx.projectA.id, type: "send_message" }))).toBe("FORBIDDEN");
    const pm = callerAs(db, env, sessionAuth(fx.pm));
    expect(await codeOf(procedureAt(pm, path)({ projectId: fx.projectA.id, id: fx.projectA.id, type: "send_message" }))).not.toBe("FORBIDDEN");
  });

  it.each(projectProcs.filter((p) => p.minRole === "owner").map((p) => [p.path, p]))("%s: owners only (a pm is refused, the owner is not)", async (path) => {
    const pm = callerAs(db, env, sessionAuth(fx.pm));
    expect(await codeOf(procedureAt(pm, path)({ projectId: fx.projectA.id, userId: fx.viewer.id, role: "pm", email: "x@example.test" }))).toBe("FORBIDDEN");
    const owner = callerAs(db, env, sessionAuth(fx.owner));
    expect(await codeOf(procedureAt(owner, path)({ projectId: fx.projectA.id }))).not.toBe("FORBIDDEN");
  });

  it("anonymous callers get UNAUTHORIZED from everything but login and health", async () => {
    const anon = callerAs(db, env, null);
    for (const p of procedures) {
      const code = await codeOf(procedureAt(anon, p.path)({ projectId: fx.projectA.id }));
      if (p.path === "health") expect(code).toBe("OK");
      else if (p.path === "auth.login") expect(code).toBe("BAD_REQUEST");
      else expect(code, p.path).toBe("UNAUTHORIZED");
    }
  });

  it("project lists never include projects the user is not a member of", async () => {
    const list = await callerAs(db, env, sessionAuth(fx.outsider)).projects.list();
    expect(list.map((p) => p.id)).toEqual([fx.projectB.id]);
    const narrowed = await callerAs(db, env, tokenAuth(fx.owner, { projectId: fx.projectB.id })).projects.list();
    expect(narrowed.map((p) => p.id)).toEqual([fx.projectB.id]);
  });

  it("API tokens can only be minted from a session, and only for the caller's own projects", async () => {
    const viaToken = callerAs(db, env, tokenAuth(fx.owner));
    expect(await codeOf(viaToken.tokens.create({ name: "x" }))).toBe("FORBIDDEN");
    const outsider = callerAs(db, env, sessionAuth(fx.outsider));
    expect(await codeOf(outsider.tokens.create({ name: "x", projectId: fx.projectA.id }))).toBe("NOT_FOUND");
  });
});

describe("bad input never becomes a 500", () => {
  const garbage: [string, unknown][] = [
    ["no input", undefined],
    ["a string", "hello"],
    ["a number", 42],
    ["null", null],
    ["an array", [1, 2]],
    ["projectId of the wrong type", { projectId: 123 }],
    ["projectId that is not a UUID", { projectId: "not-a-uuid" }],
    ["a huge projectId", { projectId: "x".repeat(100_000) }],
    ["an unknown project", { projectId: "7f0c3e3a-9c1e-4a43-9a55-1f2b3c4d5e6f" }],
    ["wrong field types", { projectId: "7f0c3e3a-9c1e-4a43-9a55-1f2b3c4d5e6f", task: 5, limit: "ten", cursor: {}, enabled: "yes" }],
    ["huge strings", { email: `${"a".repeat(50_000)}@x.io`, password: "p".repeat(50_000), name: "n".repeat(50_000), task: "t".repeat(50_000) }],
  ];
  it.each(procedures.map((p) => [p.path]))("%s", async (path) => {
    const caller = callerAs(db, env, sessionAuth(fx.owner));
    for (const [label, input] of garbage) {
      const code = await codeOf(procedureAt(caller, path)(input));
      expect(code, `${path} with ${label}`).not.toBe("INTERNAL_SERVER_ERROR");
      expect(code, `${path} with ${label}`).not.toMatch(/^THREW/);
    }
  });

  it("validation errors carry readable, per-field messages", async () => {
    const caller = callerAs(db, env, sessionAuth(fx.owner));
    const err = await caller.jobs.update({ projectId: fx.projectA.id, task: "event_log_retention", cadenceSeconds: 5 }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("BAD_REQUEST");
    expect(String((err as Error).message)).toMatch(/cadenceSeconds|>=60|60/);
  });
});
