import express, { type RequestHandler, type Request, type Response } from "express";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { Caller } from "../trpc/root.ts";

/**
 * Plain-HTTP ops endpoints for runbooks. Each is a thin adapter over the same tRPC procedure the UI
 * uses (same auth, membership and validation); answers use the {ok, ..., request_id} envelope.
 */
export function opsRoutes(callerFor: (req: Request, res: Response) => Caller, requireAuth: RequestHandler) {
  const r = express.Router();

  const handle = (fn: (caller: Caller, req: Request) => Promise<Record<string, unknown>>) => async (req: Request, res: Response) => {
    try {
      const body = await fn(callerFor(req, res), req);
      res.json({ ok: true, ...body, request_id: req.requestId });
    } catch (e) {
      const err = e instanceof TRPCError ? e : new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: e });
      const status = getHTTPStatusCodeFromError(err);
      const issues = (err.cause as { issues?: unknown } | undefined)?.issues;
      res.status(status).json({
        ok: false,
        error: err.code.toLowerCase(),
        message: status >= 500 ? "Internal error" : err.message,
        request_id: req.requestId,
        ...(issues ? { details: issues } : {}),
      });
    }
  };

  const projectIdOf = (req: Request): string | undefined => {
    const v = (req.query.projectId ?? req.query.project_id ?? (req.body as Record<string, unknown> | undefined)?.projectId) as unknown;
    return typeof v === "string" ? v : undefined;
  };

  const requireProject = (req: Request): string => {
    const projectId = projectIdOf(req);
    if (!projectId) throw new TRPCError({ code: "BAD_REQUEST", message: "projectId is required (query or JSON body)" });
    return projectId;
  };

  r.get(
    "/jobs/scheduler",
    requireAuth,
    handle(async (caller, req) => {
      const projectId = projectIdOf(req);
      const projects = projectId ? [await caller.projects.get({ projectId })] : await caller.projects.list();
      const jobs = (await Promise.all(projects.map((p) => caller.jobs.scheduled({ projectId: p.id })))).flat();
      return { jobs };
    }),
  );

  r.post("/jobs/scheduler/tick", requireAuth, handle(async (caller, req) => caller.jobs.tick({ projectId: requireProject(req) })));

  const connectorOf = (name: string | undefined) => {
    if (name !== "chatwoot" && name !== "linear" && name !== "attio") throw new TRPCError({ code: "NOT_FOUND", message: `Unknown connector "${name}" (chatwoot, linear, attio)` });
    return name;
  };

  r.get("/connectors/state", requireAuth, handle(async (caller, req) => caller.connectors.state({ projectId: requireProject(req) })));
  r.get(
    "/connectors/errors",
    requireAuth,
    handle(async (caller, req) => {
      const status = typeof req.query.status === "string" ? req.query.status : undefined;
      return { errors: await caller.connectors.errors({ projectId: requireProject(req), status: status as never }) };
    }),
  );
  r.post("/connectors/errors/retry", requireAuth, handle(async (caller, req) => caller.connectors.retryErrors({ projectId: requireProject(req) })));
  r.post("/connectors/sync", requireAuth, handle(async (caller, req) => caller.connectors.sync({ projectId: requireProject(req) })));
  r.post("/connectors/:name/sync", requireAuth, handle(async (caller, req) => caller.connectors.sync({ projectId: requireProject(req), connector: connectorOf(req.params.name) })));

  // The event log for runbooks and scripts: ?projectId=&type=&category=domain|process&since=&cursor=&limit=
  r.get(
    "/kag/events",
    requireAuth,
    handle(async (caller, req) => {
      const q = (k: string) => (typeof req.query[k] === "string" ? (req.query[k] as string) : undefined);
      const limit = q("limit");
      return caller.events.list({
        projectId: requireProject(req), eventType: q("type"), category: q("category") as never, since: q("since") as never, cursor: q("cursor"),
        ...(limit ? { limit: Number(limit) } : {}),
      });
    }),
  );

  return r;
}
