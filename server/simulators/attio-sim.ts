import type { AttioRecord, AttioValue, AttioWorkspace, Workspace } from "./generator.ts";
import { html, notFoundPage, page, time, type SafeHtml, type SimPage } from "./html.ts";
import { memoSorted } from "./sorted.ts";
import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Attio REST v2: Bearer auth (tokens are `attio_<workspaceId>` here); POST
// /v2/objects/{companies|people|deals}/records/query with limit/offset; GET /v2/notes with
// limit/offset; attribute values are arrays with active_from/active_until; records carry no
// updated_at; 429 has Retry-After as an HTTP date; errors are {status_code,type,code,message}.

const error = (status: number, type: string, code: string, message: string): SimResponse => ({ status, body: { status_code: status, type, code, message } });

// A record's web_url as Attio returns it: `https://app.attio.com/<workspace slug>/<object, singular>/<record_id>`
// (e.g. …/salarya/person/bf071e1f-…), here on the simulator's own origin.
const SINGULAR: Record<string, string> = { companies: "company", people: "person", deals: "deal" };
const PLURAL = Object.fromEntries(Object.entries(SINGULAR).map(([k, v]) => [v, k]));

export function recordWebUrl(origin: string, a: AttioWorkspace, r: AttioRecord) {
  return `${origin}/${a.slug}/${SINGULAR[r.id.object_id] ?? r.id.object_id}/${r.id.record_id}`;
}
const withWebUrl = (origin: string, a: AttioWorkspace, r: AttioRecord) => ({ ...r, web_url: recordWebUrl(origin, a, r) });

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
      return { status: 200, body: { data: sorted.slice(offset, offset + limit).map((r) => withWebUrl(req.origin, a, r)) } };
    }
    const one = /^\/v2\/objects\/([a-z_]+)\/records\/([0-9a-f-]+)$/.exec(req.path);
    if (one && req.method === "GET") {
      const records = ({ companies: a.companies, people: a.people, deals: a.deals } as Record<string, AttioRecord[]>)[one[1]!];
      const r = records?.find((x) => x.id.record_id === one[2]);
      return r ? { status: 200, body: { data: withWebUrl(req.origin, a, r) } } : error(404, "invalid_request_error", "not_found", "Record not found.");
    }
    if (req.path === "/v2/notes" && req.method === "GET") {
      const limit = Math.min(Math.max(1, Number(req.query.limit ?? 10)), 50);
      const offset = Math.max(0, Number(req.query.offset ?? 0));
      return { status: 200, body: { data: a.notes.slice(offset, offset + limit).map((n) => ({ ...n, content_markdown: n.content_plaintext, tags: [], created_by_actor: { type: "workspace-member", id: null } })) } };
    }
    return error(404, "invalid_request_error", "not_found", `No route ${req.method} ${req.path}`);
  };
}

const recordsOf = (a: AttioWorkspace): Record<string, AttioRecord[]> => ({ companies: a.companies, people: a.people, deals: a.deals });

/** One attribute value as the web app shows it. */
function shown(v: AttioValue, a: AttioWorkspace, origin: string): SafeHtml | string {
  switch (v.attribute_type) {
    case "currency":
      return `${String(v.currency_code ?? "")} ${Number(v.currency_value).toLocaleString("en-US")}`.trim();
    case "status":
      return String((v.status as { title?: string } | undefined)?.title ?? "");
    case "select":
      return String((v.option as { title?: string } | undefined)?.title ?? "");
    case "domain":
      return String(v.domain ?? "");
    case "email-address":
      return String(v.email_address ?? "");
    case "personal-name":
      return String(v.full_name ?? "");
    case "record-reference": {
      const target = recordsOf(a)[String(v.target_object)]?.find((x) => x.id.record_id === v.target_record_id);
      return target ? html`<a href="${recordWebUrl(origin, a, target)}">${titleOf(target)}</a>` : String(v.target_record_id ?? "");
    }
    default:
      return String(v.value ?? "");
  }
}

function titleOf(r: AttioRecord): string {
  const v = (r.values.name ?? []).find((x) => !x.active_until);
  return String(v?.full_name ?? v?.value ?? r.id.record_id);
}

/** Attio's record page, read-only and without sign-in, at the record's web_url: its values and notes. */
export function attioPages(ws: Workspace) {
  return (req: SimRequest): SimPage | null => {
    // A view of the record (`/overview`, `/notes`, …) may follow the id.
    const m = /^\/([a-z0-9-]+)\/(company|person|deal)\/([0-9a-f-]{36})(?:\/[a-z]+)?\/?$/.exec(req.path);
    if (!m) return null;
    const a = ws.byAttioSlug(m[1]!)?.attio;
    const r = a && recordsOf(a)[PLURAL[m[2]!]!]?.find((x) => x.id.record_id === m[3]);
    if (!a || !r) return notFoundPage("Attio", `The ${m[2]} record ${m[3]}`);
    const values = Object.entries(r.values)
      .map(([attr, vs]) => [attr, vs.filter((v) => !v.active_until)] as const)
      .filter(([, vs]) => vs.length > 0);
    const notes = a.notes.filter((n) => n.parent_record_id === r.id.record_id);
    const deals = r.id.object_id === "companies" ? a.deals.filter((d) => (d.values.associated_company ?? []).some((v) => !v.active_until && v.target_record_id === r.id.record_id)) : [];
    return page(titleOf(r), "Attio", html`
<p class="meta">${m[2]} · created ${time(r.created_at)}</p>
<dl>${values.map(([attr, vs]) => html`<dt>${attr}</dt><dd>${vs.map((v, i) => html`${i ? ", " : ""}${shown(v, a, req.origin)}`)}</dd>`)}</dl>
${deals.length ? html`<h2>Deals (${deals.length})</h2><ul>${deals.map((d) => html`<li><a href="${recordWebUrl(req.origin, a, d)}">${titleOf(d)}</a></li>`)}</ul>` : ""}
<h2>Notes (${notes.length})</h2>
${notes.length ? html`<ol>${notes.map((n) => html`<li id="note-${n.id.note_id}"><div class="meta"><strong>${n.title}</strong> · ${time(n.created_at)}</div><p class="body">${n.content_plaintext}</p></li>`)}</ol>` : html`<p>No notes.</p>`}`);
  };
}

export function startAttioSim(ws: Workspace, port?: number) {
  return startSimServer("attio", attioHandler(ws), {
    pages: attioPages(ws),
    renderRateLimit: (f) => ({ ...error(429, "invalid_request_error", "rate_limit_exceeded", "Rate limit exceeded, please try again later"), headers: { "retry-after": new Date(Date.now() + 1000 * (f.retryAfterSeconds ?? 1)).toUTCString() } }),
    renderError: (status) => error(status, "api_error", "internal_error", "An internal error occurred."),
    port,
  });
}
