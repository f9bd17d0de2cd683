import type { AttioRecord, AttioValue, AttioWorkspace, Workspace } from "./generator.ts";
import { html, notFoundPage, page, time, type SafeHtml, type SimPage } from "./html.ts";
import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Attio REST v2 as published (specs/attio.openapi.json) and documented:
// - Bearer auth (tokens are `attio_<workspaceId>` here); errors are {status_code, type, code, message}.
// - POST /v2/objects/{object}/records/query with filter / sorts / limit (default 500) / offset. Results
//   come back in the order asked for in `sorts` and in no guaranteed order without them: this simulator
//   shuffles them per request then, so a client that pages by offset without `sorts` skips and repeats
//   records here as it could against Attio.
// - GET /v2/objects/{object}/records/{record_id}, GET /v2/notes (limit default 10, max 50; offset),
//   GET /v2/notes/{note_id}.
// - Rate limits (docs.attio.com/rest-api/guides/rate-limiting): 100 read and 25 write requests per
//   second; over them a 429 {type: "rate_limit_error", code: "rate_limit_exceeded"} whose Retry-After is
//   an HTTP date, the start of the next clock second (often less than a second away).
// Ids (workspace, object, record, note, status, option) are UUIDs and status/select values carry the
// whole status/option object, as the spec's schemas say.

const error = (status: number, type: string, code: string, message: string, headers?: Record<string, string>): SimResponse => ({ status, body: { status_code: status, type, code, message }, headers });

export const ATTIO_LIMITS = { readsPerSecond: 100, writesPerSecond: 25 };
/** Attio's 429: Retry-After is the HTTP date the limit resets (whole seconds, so possibly this very second). */
export const rateLimited = (resetAtMs: number) =>
  error(429, "rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded, please try again later", { "retry-after": new Date(resetAtMs).toUTCString() });

// A record's web_url as Attio returns it: `https://app.attio.com/<workspace slug>/<object, singular>/<record_id>`
// (e.g. …/salarya/person/bf071e1f-…), here on the simulator's own origin.
const SINGULAR: Record<string, string> = { companies: "company", people: "person", deals: "deal" };
const PLURAL = Object.fromEntries(Object.entries(SINGULAR).map(([k, v]) => [v, k]));

const objectSlug = (a: AttioWorkspace, r: AttioRecord) => Object.entries(a.objectIds).find(([, id]) => id === r.id.object_id)?.[0] ?? r.id.object_id;
export function recordWebUrl(origin: string, a: AttioWorkspace, r: AttioRecord) {
  return `${origin}/${a.slug}/${SINGULAR[objectSlug(a, r)] ?? "record"}/${r.id.record_id}`;
}
const withWebUrl = (origin: string, a: AttioWorkspace, r: AttioRecord) => ({ id: r.id, created_at: r.created_at, web_url: recordWebUrl(origin, a, r), values: r.values });
const noteOut = (n: AttioWorkspace["notes"][number]) => ({ ...n, content_markdown: n.content_plaintext, created_by_actor: { type: "system", id: null } });

/** The comparable part of an attribute's current value (what Attio sorts by when no `field` is given). */
function sortValue(r: AttioRecord, attribute: string): string | number | null {
  if (attribute === "created_at") return r.created_at;
  if (attribute === "record_id") return r.id.record_id;
  const v = (r.values[attribute] ?? []).find((x) => !x.active_until) as Record<string, unknown> | undefined;
  if (!v) return null;
  const x = v.value ?? v.full_name ?? v.domain ?? v.email_address ?? v.currency_value ?? v.target_record_id ?? (v.status as { title?: string } | undefined)?.title ?? (v.option as { title?: string } | undefined)?.title;
  return typeof x === "string" || typeof x === "number" ? x : null;
}
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T/;
function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1; // empty values last
  if (b === null) return -1;
  if (typeof a === "string" && typeof b === "string" && TIMESTAMP.test(a) && TIMESTAMP.test(b)) return Date.parse(a) - Date.parse(b) || (a < b ? -1 : 1);
  return a < b ? -1 : 1;
}

type Sort = { attribute: string; direction: "asc" | "desc" };
type Condition = (r: AttioRecord) => boolean;

/** The subset of Attio's filter language the simulator evaluates; anything else is refused, not ignored. */
function parseFilter(f: unknown): Condition | string {
  if (f === undefined) return () => true;
  if (typeof f !== "object" || f === null || Array.isArray(f)) return "filter must be an object";
  const parts: Condition[] = [];
  for (const [key, cond] of Object.entries(f as Record<string, unknown>)) {
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(cond)) return `${key} takes an array`;
      const subs = cond.map(parseFilter);
      const bad = subs.find((x) => typeof x === "string");
      if (bad) return bad;
      const cs = subs as Condition[];
      parts.push(key === "$and" ? (r) => cs.every((c) => c(r)) : (r) => cs.some((c) => c(r)));
      continue;
    }
    if (key !== "created_at" && key !== "record_id") return `filtering on "${key}" is not simulated`;
    const ops = typeof cond === "string" ? { $eq: cond } : (cond as Record<string, unknown>);
    if (typeof ops !== "object" || ops === null) return `bad condition on "${key}"`;
    for (const [op, operand] of Object.entries(ops)) {
      if (op === "$in" && Array.isArray(operand)) {
        const set = new Set(operand.map(String));
        parts.push((r) => set.has(String(sortValue(r, key))));
        continue;
      }
      if (typeof operand !== "string") return `operand of ${op} on "${key}" must be a string`;
      const test = { $eq: (c: number) => c === 0, $gt: (c: number) => c > 0, $gte: (c: number) => c >= 0, $lt: (c: number) => c < 0, $lte: (c: number) => c <= 0 }[op];
      if (!test) return `operator ${op} on "${key}" is not simulated`;
      parts.push((r) => test(compare(sortValue(r, key), operand)));
    }
  }
  return (r) => parts.every((c) => c(r));
}

function parseSorts(s: unknown): Sort[] | string {
  if (s === undefined) return [];
  if (!Array.isArray(s)) return "sorts must be an array";
  const out: Sort[] = [];
  for (const x of s as Record<string, unknown>[]) {
    if (typeof x !== "object" || x === null || (x.direction !== "asc" && x.direction !== "desc")) return "each sort needs a direction of asc or desc";
    if (typeof x.attribute !== "string") return x.path ? "sorting by path is not simulated" : "each sort needs an attribute";
    out.push({ attribute: x.attribute, direction: x.direction });
  }
  return out;
}

function shuffled<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Per token and clock second: reads and writes counted against Attio's limits. */
function rateLimiter(limits: typeof ATTIO_LIMITS) {
  const windows = new Map<string, { second: number; reads: number; writes: number }>();
  return (token: string, write: boolean): SimResponse | null => {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    let w = windows.get(token);
    if (!w || w.second !== second) windows.set(token, (w = { second, reads: 0, writes: 0 }));
    if (write ? ++w.writes > limits.writesPerSecond : ++w.reads > limits.readsPerSecond) return rateLimited((second + 1) * 1000);
    return null;
  };
}

export function attioHandler(ws: Workspace, opts: { tokenPrefix?: string; limits?: typeof ATTIO_LIMITS | null } = {}) {
  const tokenPrefix = opts.tokenPrefix ?? "attio_";
  const limit = opts.limits === null ? () => null : rateLimiter(opts.limits ?? ATTIO_LIMITS);
  return (req: SimRequest): SimResponse => {
    const auth = String(req.headers.authorization ?? "");
    const project = auth.startsWith(`Bearer ${tokenPrefix}`) ? ws.byAttioWorkspace(auth.slice(`Bearer ${tokenPrefix}`.length)) : undefined;
    if (!project) return error(401, "auth_error", "unauthorized", "Invalid or missing access token.");
    // Queries are reads though they are POSTs (Attio counts them against the read limit).
    const limited = limit(auth, req.method !== "GET" && !req.path.endsWith("/query"));
    if (limited) return limited;
    const a = project.attio;
    const q = /^\/v2\/objects\/([a-z_]+)\/records\/query$/.exec(req.path);
    if (q && req.method === "POST") {
      const records: AttioRecord[] | undefined = recordsOf(a)[q[1]!];
      if (!records) return error(404, "invalid_request_error", "not_found", `Object with slug/ID "${q[1]}" not found.`);
      const body = (req.body ?? {}) as { limit?: unknown; offset?: unknown; sorts?: unknown; filter?: unknown };
      if (typeof body !== "object" || Array.isArray(body)) return error(400, "invalid_request_error", "validation_type", "Body payload validation error: the body must be an object.");
      if ((body.limit !== undefined && typeof body.limit !== "number") || (body.offset !== undefined && typeof body.offset !== "number")) {
        return error(400, "invalid_request_error", "validation_type", "Body payload validation error: limit and offset must be numbers.");
      }
      const sorts = parseSorts(body.sorts);
      if (typeof sorts === "string") return error(400, "invalid_request_error", "validation_type", `Body payload validation error: ${sorts}.`);
      const filter = parseFilter(body.filter);
      if (typeof filter === "string") return error(400, "invalid_request_error", "filter_error", `Error in filter: ${filter}.`);
      const limitN = Math.max(1, Math.floor(body.limit ?? 500));
      const offset = Math.max(0, Math.floor(body.offset ?? 0));
      // Shuffled first, then a stable sort: whatever `sorts` leaves tied comes back in no fixed order.
      const keyed = shuffled(records.filter(filter)).map((r) => ({ r, k: sorts.map((s) => sortValue(r, s.attribute)) }));
      if (sorts.length) keyed.sort((x, y) => { for (let i = 0; i < sorts.length; i++) { const c = compare(x.k[i]!, y.k[i]!); if (c) return sorts[i]!.direction === "asc" ? c : -c; } return 0; });
      return { status: 200, body: { data: keyed.slice(offset, offset + limitN).map((x) => withWebUrl(req.origin, a, x.r)) } };
    }
    const one = /^\/v2\/objects\/([a-z_]+)\/records\/([^/]+)$/.exec(req.path);
    if (one && req.method === "GET") {
      const records = recordsOf(a)[one[1]!];
      if (!records) return error(404, "invalid_request_error", "not_found", `Object with slug/ID "${one[1]}" not found.`);
      const r = records.find((x) => x.id.record_id === one[2]);
      return r ? { status: 200, body: { data: withWebUrl(req.origin, a, r) } } : error(404, "invalid_request_error", "not_found", `Record with ID "${one[2]}" not found.`);
    }
    if (req.path === "/v2/notes" && req.method === "GET") {
      const ints = ["limit", "offset"].filter((k) => req.query[k] !== undefined && !/^\d+$/.test(req.query[k]!));
      if (ints.length) return error(400, "invalid_request_error", "validation_type", `Query validation error: ${ints.join(", ")} must be integers.`);
      const limitN = Math.min(Math.max(1, Number(req.query.limit ?? 10)), 50);
      const offset = Number(req.query.offset ?? 0);
      const notes = a.notes.filter((n) => (!req.query.parent_object || n.parent_object === req.query.parent_object) && (!req.query.parent_record_id || n.parent_record_id === req.query.parent_record_id));
      return { status: 200, body: { data: notes.slice(offset, offset + limitN).map(noteOut) } };
    }
    const note = /^\/v2\/notes\/([^/]+)$/.exec(req.path);
    if (note && req.method === "GET") {
      const n = a.notes.find((x) => x.id.note_id === note[1]);
      return n ? { status: 200, body: { data: noteOut(n) } } : error(404, "invalid_request_error", "not_found", `Note with ID "${note[1]}" not found.`);
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

/** `limits: null` switches the simulated rate limit off (tests that measure something else at full speed). */
export function startAttioSim(ws: Workspace, port?: number, opts: { limits?: typeof ATTIO_LIMITS | null } = {}) {
  return startSimServer("attio", attioHandler(ws, { limits: opts.limits }), {
    pages: attioPages(ws),
    // An injected 429 answers as Attio does; retryAfterSeconds 0 is a Retry-After date in this very second.
    renderRateLimit: (f) => rateLimited(Date.now() + 1000 * (f.retryAfterSeconds ?? 1)),
    renderError: (status) => error(status, "api_error", "internal_error", "An internal error occurred."),
    port,
  });
}
