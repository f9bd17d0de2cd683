import type { Db } from "../../db.ts";
import type { ProjectRole } from "../../generated/prisma/enums.ts";
import { hashPassword } from "../auth/passwords.ts";
import { ensureScheduledJobs } from "../jobs/scheduler.ts";
import { bindSource } from "../connectors/sources.ts";
import { demoBindings } from "../../simulators/demo.ts";
import type { Env } from "../../env.ts";

export const DEMO_PASSWORD = "demo-password";
export const DEMO_USERS = [
  { email: "demo@controltower.dev", name: "Dana Demo (owner)" },
  { email: "pm@controltower.dev", name: "Pat Morgan (PM)" },
  { email: "viewer@controltower.dev", name: "Vic Viewer" },
] as const;

const PROJECTS: { slug: string; name: string; description: string; members: Partial<Record<(typeof DEMO_USERS)[number]["email"], ProjectRole>> }[] = [
  { slug: "acme-web-relaunch", name: "Acme Web Relaunch", description: "Marketing site and customer portal rebuild for Acme Corp.",
    members: { "demo@controltower.dev": "owner", "pm@controltower.dev": "pm", "viewer@controltower.dev": "viewer" } },
  { slug: "globex-mobile-app", name: "Globex Mobile App", description: "iOS and Android app for Globex field teams.",
    members: { "demo@controltower.dev": "owner", "pm@controltower.dev": "pm", "viewer@controltower.dev": "viewer" } },
  { slug: "initech-data-migration", name: "Initech Data Migration", description: "Legacy ERP to cloud data migration for Initech.",
    members: { "demo@controltower.dev": "owner", "pm@controltower.dev": "pm", "viewer@controltower.dev": "viewer" } },
  { slug: "umbrella-support-retainer", name: "Umbrella Support Retainer", description: "Monthly support and growth retainer for Umbrella.",
    members: { "demo@controltower.dev": "owner", "viewer@controltower.dev": "viewer" } },
];

/**
 * Creates the demo workspace once. If the workspace already exists nothing is touched, so re-running
 * the demo never overwrites data (real or edited).
 */
export async function seedDemoWorkspace(db: Db, input: { now: Date; env?: Env }): Promise<{ created: boolean; projectIds: string[] }> {
  const existing = await db.workspace.findUnique({ where: { slug: "demo" }, include: { projects: true } });
  if (existing) {
    if (input.env) await bindDemoSources(db, input.env);
    return { created: false, projectIds: existing.projects.map((p) => p.id) };
  }

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const projectIds = await db.$transaction(async (tx) => {
    const ws = await tx.workspace.create({ data: { slug: "demo", name: "Demo Agency" } });
    const users = new Map<string, string>();
    for (const u of DEMO_USERS) {
      const row = await tx.user.create({ data: { workspaceId: ws.id, email: u.email, name: u.name, passwordHash } });
      users.set(u.email, row.id);
    }
    const ids: string[] = [];
    for (const p of PROJECTS) {
      const project = await tx.project.create({ data: { workspaceId: ws.id, slug: p.slug, name: p.name, description: p.description } });
      ids.push(project.id);
      await tx.projectMembership.createMany({
        data: Object.entries(p.members).map(([email, role]) => ({ projectId: project.id, userId: users.get(email)!, role })),
      });
    }
    return ids;
  });
  await ensureScheduledJobs(db, { now: input.now, projectIds });
  if (input.env) await bindDemoSources(db, input.env);
  return { created: true, projectIds };
}

/**
 * Connects each demo project to its simulated Chatwoot account, Linear and Attio workspace (marked
 * as demo sources). Only projects with no binding yet are touched, so a real connection made later
 * is never replaced.
 */
export async function bindDemoSources(db: Db, env: Env): Promise<number> {
  let bound = 0;
  for (const [index, p] of PROJECTS.entries()) {
    const project = await db.project.findFirst({ where: { slug: p.slug, workspace: { slug: "demo" } }, include: { sources: true } });
    if (!project || project.sources.length) continue;
    const b = demoBindings(index);
    for (const connector of ["chatwoot", "linear", "attio"] as const) {
      await bindSource(db, env, { projectId: project.id, connector, ...b[connector], isDemo: true });
    }
    bound++;
  }
  return bound;
}
