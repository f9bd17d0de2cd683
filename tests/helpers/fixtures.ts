import type { Db } from "../../server/db.ts";
import { parseEnv, type Env } from "../../server/env.ts";
import { hashPassword } from "../../server/services/auth/passwords.ts";

export const PASSWORD = "correct horse battery staple";

export function testEnv(overrides: Record<string, string> = {}): Env {
  return parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", SESSION_SECRET: "test-secret-test-secret-test-secret-42", ...overrides });
}

let hashed: Promise<string> | undefined;

/**
 * Two projects in one workspace plus a project in another workspace, with every role:
 * owner/pm/viewer on A, `outsider` a member of B only, `stranger` in the other workspace.
 */
export async function seedFixture(db: Db) {
  hashed ??= hashPassword(PASSWORD);
  const passwordHash = await hashed;
  const suffix = Math.random().toString(36).slice(2, 8);
  const ws = await db.workspace.create({ data: { slug: `ws-${suffix}`, name: "Test Agency" } });
  const ws2 = await db.workspace.create({ data: { slug: `ws2-${suffix}`, name: "Other Agency" } });
  const mk = (workspaceId: string, name: string) => db.user.create({ data: { workspaceId, email: `${name}-${suffix}@example.test`, name, passwordHash } });
  const [owner, pm, viewer, outsider, stranger] = await Promise.all([mk(ws.id, "owner"), mk(ws.id, "pm"), mk(ws.id, "viewer"), mk(ws.id, "outsider"), mk(ws2.id, "stranger")]);
  const projectA = await db.project.create({ data: { workspaceId: ws.id, slug: "alpha", name: "Alpha" } });
  const projectB = await db.project.create({ data: { workspaceId: ws.id, slug: "beta", name: "Beta" } });
  const projectC = await db.project.create({ data: { workspaceId: ws2.id, slug: "gamma", name: "Gamma" } });
  await db.projectMembership.createMany({
    data: [
      { projectId: projectA.id, userId: owner.id, role: "owner" },
      { projectId: projectA.id, userId: pm.id, role: "pm" },
      { projectId: projectA.id, userId: viewer.id, role: "viewer" },
      { projectId: projectB.id, userId: outsider.id, role: "owner" },
      { projectId: projectB.id, userId: owner.id, role: "owner" },
      { projectId: projectC.id, userId: stranger.id, role: "owner" },
    ],
  });
  return { ws, ws2, owner, pm, viewer, outsider, stranger, projectA, projectB, projectC };
}
export type Fixture = Awaited<ReturnType<typeof seedFixture>>;
