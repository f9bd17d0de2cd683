import { z } from "zod";
import { listEvents } from "../../services/events/event-log.ts";
import { eventCursor, storableDate } from "../inputs.ts";
import { projectProcedure, router } from "../init.ts";

export const eventsRouter = router({
  list: projectProcedure
    .input(z.object({
      cursor: eventCursor.optional(),
      limit: z.number().int().min(1).max(200).default(50),
      category: z.enum(["domain", "process"]).optional(),
      eventType: z.string().max(100).regex(/^[a-z_]+$/, "eventType must be an event type like message_sent").optional(),
      since: storableDate.optional(),
    }))
    .query(({ ctx, input }) => listEvents(ctx.db, { projectId: ctx.project.id, category: input.category, eventType: input.eventType, since: input.since, cursor: input.cursor, limit: input.limit })),
});
