import { z } from "zod";
import { portfolioDigest } from "../../services/intelligence/digests.ts";
import { portfolioOverview } from "../../services/portfolio.ts";
import { addMember, listMembers, listProjectsForUser, memberCandidates, removeMember, setMemberRole } from "../../services/projects.ts";
import { authedProcedure, projectProcedure, router } from "../init.ts";

const role = z.enum(["owner", "pm", "viewer"]);

export const projectsRouter = router({
  list: authedProcedure.query(({ ctx }) =>
    listProjectsForUser(ctx.db, { userId: ctx.user.id, onlyProjectId: ctx.auth.kind === "token" ? ctx.auth.projectId : null }),
  ),
  /** Every project of the caller (a restricted token: its one project) with health, risk, trend, top recommendation and freshness. */
  portfolio: authedProcedure.query(({ ctx }) =>
    portfolioOverview(ctx.db, { userId: ctx.user.id, onlyProjectId: ctx.auth.kind === "token" ? ctx.auth.projectId : null, now: ctx.now() }),
  ),
  /** The latest digest of each of the caller's projects. */
  portfolioDigest: authedProcedure
    .input(z.object({ kind: z.enum(["daily", "weekly"]).default("daily") }).default({ kind: "daily" }))
    .query(({ ctx, input }) => portfolioDigest(ctx.db, { userId: ctx.user.id, onlyProjectId: ctx.auth.kind === "token" ? ctx.auth.projectId : null, kind: input.kind })),
  get: projectProcedure.query(({ ctx }) => ({
    id: ctx.project.id, slug: ctx.project.slug, name: ctx.project.name, description: ctx.project.description, role: ctx.role,
  })),
  members: projectProcedure.query(({ ctx }) => listMembers(ctx.db, ctx.project.id)),
  /** Workspace users an owner could add. */
  memberCandidates: projectProcedure.meta({ minRole: "owner" }).query(({ ctx }) => memberCandidates(ctx.db, ctx.project.id)),
  addMember: projectProcedure.meta({ minRole: "owner" })
    .input(z.object({ email: z.email({ message: "email must be an email address" }), role: role }))
    .mutation(({ ctx, input }) => addMember(ctx.db, { projectId: ctx.project.id, email: input.email, role: input.role, actor: ctx.actor, requestId: ctx.requestId })),
  setMemberRole: projectProcedure.meta({ minRole: "owner" })
    .input(z.object({ userId: z.uuid({ message: "userId must be a user id" }), role: role }))
    .mutation(({ ctx, input }) => setMemberRole(ctx.db, { projectId: ctx.project.id, userId: input.userId, role: input.role, actor: ctx.actor, requestId: ctx.requestId })),
  removeMember: projectProcedure.meta({ minRole: "owner" })
    .input(z.object({ userId: z.uuid({ message: "userId must be a user id" }) }))
    .mutation(({ ctx, input }) => removeMember(ctx.db, { projectId: ctx.project.id, userId: input.userId, actor: ctx.actor, requestId: ctx.requestId })),
  /** Remembers the project a browser session last opened (the project switcher). */
  select: projectProcedure.meta({ minRole: "viewer" }).mutation(async ({ ctx }) => {
    if (ctx.auth.kind === "session") await ctx.db.session.update({ where: { id: ctx.auth.sessionId }, data: { activeProjectId: ctx.project.id } });
    return { activeProjectId: ctx.project.id };
  }),
});
