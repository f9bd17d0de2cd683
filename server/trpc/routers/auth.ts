import { z } from "zod";
import { login } from "../../services/auth/login.ts";
import { deleteSession } from "../../services/auth/sessions.ts";
import { recordAudit } from "../../services/audit.ts";
import { listProjectsForUser } from "../../services/projects.ts";
import { clearSessionCookie, setSessionCookie } from "../../http/cookies.ts";
import { authedProcedure, publicProcedure, router } from "../init.ts";

export const authRouter = router({
  /** Password login: creates a database session and sets the session cookie when called over HTTP. */
  login: publicProcedure
    .input(z.object({ email: z.email({ message: "Enter a valid email" }).max(320), password: z.string().min(1, "Enter your password").max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const res = await login(
        ctx.db,
        { email: input.email, password: input.password, ip: ctx.ip, userAgent: ctx.userAgent, now: ctx.now(), requestId: ctx.requestId },
        { maxFailures: ctx.env.LOGIN_RATE_LIMIT_MAX, windowSeconds: ctx.env.LOGIN_RATE_LIMIT_WINDOW_SECONDS, sessionTtlHours: ctx.env.SESSION_TTL_HOURS },
      );
      if (ctx.res) setSessionCookie(ctx.res, { sessionId: res.sessionId, expiresAt: res.expiresAt, secret: ctx.env.SESSION_SECRET, secure: ctx.env.NODE_ENV === "production" });
      return { user: res.user, expiresAt: res.expiresAt };
    }),

  logout: authedProcedure.mutation(async ({ ctx }) => {
    if (ctx.auth.kind === "session") {
      await deleteSession(ctx.db, ctx.auth.sessionId);
      if (ctx.res) clearSessionCookie(ctx.res, ctx.env.NODE_ENV === "production");
      await recordAudit(ctx.db, { actor: ctx.actor, action: "auth.logout", entityType: "user", entityId: ctx.user.id, requestId: ctx.requestId });
    }
    return { ok: true };
  }),

  me: authedProcedure.query(async ({ ctx }) => ({
    user: ctx.user,
    via: ctx.auth.kind,
    activeProjectId: ctx.auth.kind === "session" ? ctx.auth.activeProjectId : ctx.auth.projectId,
    projects: await listProjectsForUser(ctx.db, { userId: ctx.user.id, onlyProjectId: ctx.auth.kind === "token" ? ctx.auth.projectId : null }),
  })),
});
