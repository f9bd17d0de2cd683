import type { Db } from "../db.ts";
import { NotFoundError } from "../errors.ts";
import type { ProjectRole } from "../generated/prisma/enums.ts";

export type { ProjectRole };
export const ROLE_RANK: Record<ProjectRole, number> = { viewer: 1, pm: 2, owner: 3 };

export type ProjectSummary = { id: string; slug: string; name: string; description: string; role: ProjectRole };

/** Projects the user belongs to; an API token restricted to one project sees only that one. */
export async function listProjectsForUser(db: Db, input: { userId: string; onlyProjectId?: string | null }): Promise<ProjectSummary[]> {
  const rows = await db.projectMembership.findMany({
    where: { userId: input.userId, project: { archivedAt: null }, ...(input.onlyProjectId ? { projectId: input.onlyProjectId } : {}) },
    include: { project: true },
    orderBy: { project: { name: "asc" } },
  });
  return rows.map((m) => ({ id: m.project.id, slug: m.project.slug, name: m.project.name, description: m.project.description, role: m.role }));
}

/**
 * The membership that lets a user act on a project. Not being a member looks exactly like the
 * project not existing, so project ids cannot be probed.
 */
export async function requireMembership(db: Db, input: { userId: string; projectId: string }) {
  const m = await db.projectMembership.findUnique({
    where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
    include: { project: true },
  });
  if (!m || m.project.archivedAt) throw new NotFoundError("Project not found");
  return { project: m.project, role: m.role };
}

export async function listMembers(db: Db, projectId: string) {
  const rows = await db.projectMembership.findMany({ where: { projectId }, include: { user: true }, orderBy: { createdAt: "asc" } });
  return rows.map((m) => ({ userId: m.userId, email: m.user.email, name: m.user.name, role: m.role, since: m.createdAt }));
}
