import type { AttioRecord, Workspace } from "./generator.ts";
import { memoSorted } from "./sorted.ts";
import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Attio REST v2: Bearer auth (tokens are `attio_<workspaceId>` here); POST
// /v2/objects/{companies|people|deals}/records/query with limit/offset; GET /v2/notes with
// limit/offset; attribute values are arrays with active_from/active_until; records carry no
// updated_at; 429 has Retry-After as an HTTP date; errors are {status_code,type,code,message}.

const error = (status: number, type: string, code: string, message: string): SimResponse => ({ status, body: { status_code: status, type, code, message } });

export function attioHandler(ws: Workspace, tokenPrefix = "attio_") {
  return (req: SimRequest): SimResponse => {
    const auth = String(req.headers.authorization ?? "");
    const project = auth.startsWith(`Bearer ${tokenPrefix}`) ? ws.byAttioWorkspace(auth.slice(`Bearer ${tokenPrefix}`.length)) : undefined;
    if (!project) return error(401, "auth_error", "unauthorized", "Invalid or missing access token.");
    const a = project.attio;
    const q = /^\/v2\/objects\/([a-z_]+)\/records\/query$/.exec(req.path);
    if (q && req.method === "POST") {
      const records: AttioRecord[] | undefined = ({ companies: a.companies, people: a.people, deals: a.deals } as Record<string, AttioRecord[]>)[q[1]!];
      if (!records) return error(404, "invalid_request_error", "not_found", `Object with slug/ID "${q[1]}" not found.`);
      const body = (req.body ?? {}) as { limit?: unknown; offset?: unknown };
      if ((body.limit !== undefined && typeof body.limit !== "number") || (body.offset !== undefined && typeof body.offset !== "number")) {
        return error(400, "invalid_request_error", "validation_type", "Body payload validation error: limit and offset must be numbers.");
      }
      const limit = Math.min(Math.max(1, body.limit ?? 500), 1000);
      const offset = Math.max(0, body.offset ?? 0);
      const sorted = memoSorted(records, "created_at", records, (r) => Date.parse(r.created_at), (r) => r.id.record_id);
      return { status: 200, body: { data: sorted.slice(offset, offset + limit) } };
    }
    const one = /^\/v2\/objects\/([a-z_]+)\/records\/([0-9a-f-]+)$/.exec(req.path);
    if (one && req.method === "GET") {
      const records = ({ companies: a.companies, people: a.people, deals: a.deals } as Record<string, AttioRecord[]>)[one[1]!];
      const r = records?.find((x) => x.id.record_id === one[2]);
      return r ? { status: 200, body: { data: r } } : error(404, "invalid_request_error", "not_found", "Record not found.");
    }
    if (req.path === "/v2/notes" && req.method === "GET") {
      const limit = Math.min(Math.max(1, Number(req.query.limit ?? 10)), 50);
      const offset = Math.max(0, Number(req.query.offset ?? 0));
      return { status: 200, body: { data: a.notes.slice(offset, offset + limit).map((n) => ({ ...n, content_markdown: n.content_plaintext, tags: [], created_by_actor: { type: "workspace-member", id: null } })) } };
    }
    return error(404, "invalid_request_error", "not_found", `No route ${req.method} ${req.path}`);
  };
}

export function startAttioSim(ws: Workspace, port?: number) {
  return startSimServer("attio", attioHandler(ws), {
    renderRateLimit: (f) => ({ ...error(429, "invalid_request_error", "rate_limit_exceeded", "Rate limit exceeded, please try again later"), headers: { "retry-after": new Date(Date.now() + 1000 * (f.retryAfterSeconds ?? 1)).toUTCString() } }),
    renderError: (status) => error(status, "api_error", "internal_error", "An internal error occurred."),
    port,
  });
}
