import { initTRPC, TRPCError } from "@trpc/server";
import { z, ZodError } from "zod";
import { DomainError, ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError, ValidationError, ConflictError } from "../errors.ts";
import { requireMembership, ROLE_RANK, type ProjectRole } from "../services/projects.ts";
import type { Context } from "./context.ts";
import type { Actor } from "../services/audit.ts";
import { nulPath, rowIdString } from "./inputs.ts";

export type Meta = {
  /** Set by projectProcedure: the procedure acts on one project and checks membership. */
  projectScoped?: boolean;
  /** Lowest role allowed. Defaults: viewer for queries, pm for mutations. */
  minRole?: ProjectRole;
};

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    // Unexpected errors answer a generic message with the request id in every environment: the
    // detail (database errors, file paths) goes to the log only (app.ts onError).
    errorFormatter({ shape, error, ctx }) {
      const cause = error.cause;
      const internal = error.code === "INTERNAL_SERVER_ERROR";
      return {
        ...shape,
        message: internal ? internalErrorMessage(ctx?.requestId) : shape.message,
        data: {
          ...shape.data,
          // Readable field-level problems for forms and API clients.
          zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })) : null,
          stack: undefined,
        },
      };
    },
  });

export const internalErrorMessage = (requestId?: string) => `Something went wrong on our side${requestId ? ` (request ${requestId})` : ""}. It has been logged.`;

const codeOf = (e: DomainError): TRPCError["code"] =>
  e instanceof NotFoundError ? "NOT_FOUND"
  : e instanceof ForbiddenError ? "FORBIDDEN"
  : e instanceof UnauthorizedError ? "UNAUTHORIZED"
  : e instanceof ValidationError ? "BAD_REQUEST"
  : e instanceof ConflictError ? "CONFLICT"
  : e instanceof RateLimitedError ? "TOO_MANY_REQUESTS"
  : "INTERNAL_SERVER_ERROR";

/** Domain errors thrown by services become the matching tRPC code instead of a 500. */
const domainErrors = t.middleware(async ({ ctx, next }) => {
  const res = await next();
  if (!res.ok && res.error.cause instanceof DomainError) {
    const cause = res.error.cause;
    if (cause instanceof RateLimitedError && ctx.res && !ctx.res.headersSent) ctx.res.setHeader("Retry-After", String(cause.retryAfterSeconds));
    throw new TRPCError({ code: codeOf(cause), message: cause.message, cause });
  }
  return res;
});

/** Text with NUL characters is refused for every procedure at once (PostgreSQL cannot store it). */
const noNul = t.middleware(async ({ getRawInput, next }) => {
  const at = nulPath(await getRawInput());
  if (at) throw new TRPCError({ code: "BAD_REQUEST", message: `${at} must not contain NUL characters` });
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors).use(noNul);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.auth) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send an API token" });
  const actor: Actor = { type: ctx.auth.kind === "token" ? "token" : "user", userId: ctx.auth.user.id, workspaceId: ctx.auth.user.workspaceId };
  return next({ ctx: { ...ctx, auth: ctx.auth, user: ctx.auth.user, actor } });
});

export const projectIdInput = z.object({ projectId: z.uuid({ message: "projectId must be a UUID" }) });

/**
 * Acts on one project: the caller must be a member (else NOT_FOUND, indistinguishable from a
 * project that does not exist), a token restricted to another project is refused the same way,
 * and mutations need pm or owner (or the procedure's minRole) and a token that is not read-only.
 */
export const projectProcedure = authedProcedure
  .meta({ projectScoped: true })
  .input(projectIdInput)
  .use(async ({ ctx, input, type, meta, next }) => {
    if (ctx.auth.kind === "token" && ctx.auth.projectId && ctx.auth.projectId !== input.projectId) {
      throw new TRPCError({ code: "NOT_FOUND", message: "Project not found" });
    }
    const { project, role } = await requireMembership(ctx.db, { userId: ctx.user.id, projectId: input.projectId }).catch((e: unknown) => {
      if (e instanceof NotFoundError) throw new TRPCError({ code: "NOT_FOUND", message: e.message });
      throw e;
    });
    const minRole: ProjectRole = meta?.minRole ?? (type === "mutation" ? "pm" : "viewer");
    if (ROLE_RANK[role] < ROLE_RANK[minRole]) {
      throw new TRPCError({ code: "FORBIDDEN", message: `Requires the ${minRole} role on this project (you are ${role})` });
    }
    if (type === "mutation" && ctx.auth.kind === "token" && ctx.auth.readOnly) {
      throw new TRPCError({ code: "FORBIDDEN", message: "This API token is read-only" });
    }
    return next({ ctx: { ...ctx, project, role } });
  });

/** Cursor pagination input shared by list procedures. */
export const pageInput = z.object({
  cursor: rowIdString("cursor must be a row id").optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
