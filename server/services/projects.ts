import type { Db } from "../db.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { recordAudit, type Actor } from "./audit.ts";
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

/** Users of the project's workspace who are not members yet (what an owner can add). */
export async function memberCandidates(db: Db, projectId: string) {
  const project = await db.project.findUniqueOrThrow({ where: { id: projectId }, select: { workspaceId: true } });
  const rows = await db.user.findMany({
    where: { workspaceId: project.workspaceId, disabledAt: null, memberships: { none: { projectId } } },
    orderBy: { name: "asc" }, select: { id: true, email: true, name: true },
  });
  return rows;
}

async function ownerCount(db: Db, projectId: string) {
  return db.projectMembership.count({ where: { projectId, role: "owner" } });
}

/** Adds a user of the project's workspace; users of other workspaces cannot be found, on purpose. */
export async function addMember(db: Db, input: { projectId: string; email: string; role: ProjectRole; actor: Actor; requestId?: string }) {
  const project = await db.project.findUniqueOrThrow({ where: { id: input.projectId }, select: { workspaceId: true } });
  const user = await db.user.findFirst({ where: { email: input.email.trim().toLowerCase(), workspaceId: project.workspaceId, disabledAt: null } });
  if (!user) throw new NotFoundError(`No user ${input.email} in this workspace`);
  const exists = await db.projectMembership.findUnique({ where: { projectId_userId: { projectId: input.projectId, userId: user.id } } });
  if (exists) throw new ConflictError(`${user.email} is already a member (${exists.role})`);
  await db.projectMembership.create({ data: { projectId: input.projectId, userId: user.id, role: input.role } });
  await recordAudit(db, { actor: input.actor, projectId: input.projectId, action: "member.added", entityType: "user", entityId: user.id, requestId: input.requestId, payload: { email: user.email, role: input.role } });
  return { userId: user.id, email: user.email, role: input.role };
}

/** Changes a member's role; a project always keeps at least one owner. */
export async function setMemberRole(db: Db, input: { projectId: string; userId: string; role: ProjectRole; actor: Actor; requestId?: string }) {
  return db.$transaction(async (tx) => {
    const m = await tx.projectMembership.findUnique({ where: { projectId_userId: { projectId: input.projectId, userId: input.userId } } });
    if (!m) throw new NotFoundError("Not a member of this project");
    if (m.role === "owner" && input.role !== "owner" && (await ownerCount(tx as unknown as Db, input.projectId)) <= 1) throw new ConflictError("A project needs at least one owner: make someone else owner first");
    await tx.projectMembership.update({ where: { projectId_userId: { projectId: input.projectId, userId: input.userId } }, data: { role: input.role } });
    await recordAudit(tx, { actor: input.actor, projectId: input.projectId, action: "member.role_changed", entityType: "user", entityId: input.userId, requestId: input.requestId, payload: { from: m.role, to: input.role } });
    return { userId: input.userId, role: input.role };
  });
}

export async function removeMember(db: Db, input: { projectId: string; userId: string; actor: Actor; requestId?: string }) {
  return db.$transaction(async (tx) => {
    const m = await tx.projectMembership.findUnique({ where: { projectId_userId: { projectId: input.projectId, userId: input.userId } } });
    if (!m) throw new NotFoundError("Not a member of this project");
    if (m.role === "owner" && (await ownerCount(tx as unknown as Db, input.projectId)) <= 1) throw new ConflictError("A project needs at least one owner: it cannot lose its last one");
    await tx.projectMembership.delete({ where: { projectId_userId: { projectId: input.projectId, userId: input.userId } } });
    await recordAudit(tx, { actor: input.actor, projectId: input.projectId, action: "member.removed", entityType: "user", entityId: input.userId, requestId: input.requestId, payload: { role: m.role } });
    return { userId: input.userId };
  });
}
