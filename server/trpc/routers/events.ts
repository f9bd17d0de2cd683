import { z } from "zod";
import { EVENT_CURSOR_RE, listEvents } from "../../services/events/event-log.ts";
import { projectProcedure, router } from "../init.ts";

export const eventsRouter = router({
  list: projectProcedure
    .input(z.object({
      cursor: z.string().regex(EVENT_CURSOR_RE, "cursor must be a nextCursor from a previous page").optional(),
      limit: z.number().int().min(1).max(200).default(50),
      category: z.enum(["domain", "process"]).optional(),
      eventType: z.string().max(100).regex(/^[a-z_]+$/, "eventType must be an event type like message_sent").optional(),
      since: z.coerce.date().optional(),
    }))
    .query(({ ctx, input }) => listEvents(ctx.db, { projectId: ctx.project.id, category: input.category, eventType: input.eventType, since: input.since, cursor: input.cursor, limit: input.limit })),
});
