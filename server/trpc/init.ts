import { initTRPC, TRPCError } from "@trpc/server";
import { z, ZodError } from "zod";
import { DomainError, ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError, ValidationError, ConflictError } from "../errors.ts";
import { requireMembership, ROLE_RANK, type ProjectRole } from "../services/projects.ts";
import type { Context } from "./context.ts";
import type { Actor } from "../services/audit.ts";

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
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      return {
        ...shape,
        data: {
          ...shape.data,
          // Readable field-level problems for forms and API clients.
          zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code })) : null,
          stack: undefined,
        },
      };
    },
  });

const codeOf = (e: DomainError): TRPCError["code"] =>
  e instanceof NotFoundError ? "NOT_FOUND"
  : e instanceof ForbiddenError ? "FORBIDDEN"
  : e instanceof UnauthorizedError ? "UNAUTHORIZED"
  : e instanceof ValidationError ? "BAD_REQUEST"
  : e instanceof ConflictError ? "CONFLICT"
  : e instanceof RateLimitedError ? "TOO_MANY_REQUESTS"
  : "INTERNAL_SERVER_ERROR";

/** Domain errors thrown by services become the matching tRPC code instead of a 500. */
const domainErrors = t.middleware(async ({ next }) => {
  const res = await next();
  if (!res.ok && res.error.cause instanceof DomainError) {
    const cause = res.error.cause;
    throw new TRPCError({ code: codeOf(cause), message: cause.message, cause });
  }
  return res;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);

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
  cursor: z.string().regex(/^\d{1,19}$/, "cursor must be a row id").optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
