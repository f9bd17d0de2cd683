import { z } from "zod";
import { pageInput, projectProcedure, router } from "../init.ts";

export const auditRouter = router({
  list: projectProcedure
    .input(pageInput.extend({ action: z.string().max(100).optional() }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.auditEvent.findMany({
        where: { projectId: ctx.project.id, ...(input.action ? { action: input.action } : {}), ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}) },
        orderBy: { id: "desc" },
        take: input.limit + 1,
      });
      const page = rows.slice(0, input.limit);
      const users = await ctx.db.user.findMany({ where: { id: { in: page.map((r) => r.actorUserId).filter((x): x is string => !!x) } }, select: { id: true, email: true } });
      const email = new Map(users.map((u) => [u.id, u.email]));
      return {
        items: page.map((r) => ({
          id: r.id.toString(), action: r.action, entityType: r.entityType, entityId: r.entityId, status: r.status, actorType: r.actorType,
          actorEmail: r.actorUserId ? email.get(r.actorUserId) ?? null : null, requestId: r.requestId, payload: r.payload, createdAt: r.createdAt,
        })),
        nextCursor: rows.length > input.limit ? page[page.length - 1]!.id.toString() : null,
      };
    }),
});
