import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import { LINEAR_MAX_COMPLEXITY, linearComplexity, linearSdlSchema } from "../services/connectors/linear-complexity.ts";
import type { LinIssue, LinearWorkspace, Workspace } from "./generator.ts";
import { html, notFoundPage, page, slugify, time, type SimPage } from "./html.ts";
import { memoSorted } from "./sorted.ts";
import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Linear's GraphQL API: POST /graphql, API key in `Authorization` without "Bearer", Relay pagination
// (first/after, pageInfo{hasNextPage,endCursor}), filter:{updatedAt:{gt|gte}}, orderBy, includeArchived.
// Queries are validated and executed by graphql-js against Linear's published schema (vendored copy of
// ../shared/api-specs/linear.schema.graphql), so every answer has the schema's shape and nullability.
// Limits as Linear documents them (linear.app/developers/rate-limiting): a query over 10,000
// complexity points is refused (HTTP 400, INPUT_ERROR "Query too complex"); per API key, leaky buckets
// of 5,000 requests and 3,000,000 complexity points an hour, refilled continuously; every answer
// carries X-RateLimit-Requests-*, X-Complexity and X-RateLimit-Complexity-* headers; a request over
// either budget is answered HTTP 400 with errors[].extensions.code RATELIMITED.

export function linearSchema(): GraphQLSchema {
  return linearSdlSchema();
}

const MAX_PAGE = 250;
type Page = { first?: number; after?: string; includeArchived?: boolean; filter?: { updatedAt?: { gt?: string; gte?: string } }; orderBy?: "createdAt" | "updatedAt" };

const encode = (ts: Date, id: string) => Buffer.from(`${ts.toISOString()}|${id}`).toString("base64url");
const decode = (c: string) => {
  const [ts, id] = Buffer.from(c, "base64url").toString().split("|");
  return { ts: new Date(ts!).getTime(), id: id! };
};

/** Keyset pagination over (orderBy field, id), ascending. */
function connection<T extends { id: string }>(items: T[], args: Page, keyOf: (t: T) => Date, map: (t: T) => unknown, cache?: { owner: object; key: string }) {
  const first = Math.min(args.first ?? 50, MAX_PAGE);
  const key = (t: T) => keyOf(t).getTime();
  const sorted = cache ? memoSorted(cache.owner, cache.key, items, key, (t) => t.id) : [...items].sort((a, b) => key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let start = 0;
  if (args.after) {
    // Binary search for the first item after the cursor's (key, id).
    const c = decode(args.after);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = sorted[mid]!;
      if (key(t) > c.ts || (key(t) === c.ts && t.id > c.id)) hi = mid;
      else lo = mid + 1;
    }
    start = lo;
  }
  const page = sorted.slice(start, start + first);
  const last = page[page.length - 1];
  return {
    nodes: page.map(map),
    pageInfo: { hasNextPage: start + first < sorted.length, hasPreviousPage: start > 0, startCursor: page[0] ? encode(keyOf(page[0]), page[0].id) : null, endCursor: last ? encode(keyOf(last), last.id) : null },
  };
}

function updatedFilter(args: Page) {
  const f = args.filter?.updatedAt;
  const gt = f?.gt ? new Date(f.gt).getTime() : -Infinity;
  const gte = f?.gte ? new Date(f.gte).getTime() : -Infinity;
  return (d: Date) => d.getTime() > gt && d.getTime() >= gte;
}

const issueIndexes = new WeakMap<LinearWorkspace, { size: number; byId: Map<string, LinIssue> }>();
function issueById(ws: LinearWorkspace, id: string): LinIssue | undefined {
  let idx = issueIndexes.get(ws);
  if (!idx || idx.size !== ws.issues.length) {
    idx = { size: ws.issues.length, byId: new Map(ws.issues.map((x) => [x.id, x])) };
    issueIndexes.set(ws, idx);
  }
  return idx.byId.get(id);
}

// Web-app URLs as Linear's API returns them (Issue.url, Project.url), on the simulator's origin:
// `/<org urlKey>/issue/<IDENTIFIER>/<title slug>` and `/<org urlKey>/project/<name slug>-<slugId>`.
export function issueUrl(origin: string, ws: LinearWorkspace, i: Pick<LinIssue, "identifier" | "title">) {
  const slug = slugify(i.title);
  return `${origin}/${ws.urlKey}/issue/${i.identifier}${slug ? `/${encodeURIComponent(slug)}` : ""}`;
}
export function projectUrl(origin: string, ws: LinearWorkspace, p: LinearWorkspace["projects"][number]) {
  const slug = slugify(p.name);
  return `${origin}/${ws.urlKey}/project/${slug ? `${encodeURIComponent(slug)}-` : ""}${p.slugId}`;
}

function issueNode(ws: LinearWorkspace, i: LinIssue, origin: string) {
  const state = ws.states.find((s) => s.id === i.stateId)!;
  const user = ws.users.find((u) => u.id === i.assigneeId);
  const cycle = ws.cycles.find((c) => c.id === i.cycleId);
  const project = ws.projects.find((p) => p.id === i.projectId);
  const blockers = i.blockedByIds.map((id) => issueById(ws, id)).filter((x): x is LinIssue => !!x);
  return {
    id: i.id, identifier: i.identifier, number: i.number, title: i.title, description: i.description, priority: i.priority, estimate: i.estimate,
    createdAt: i.createdAt, updatedAt: i.updatedAt, completedAt: i.completedAt, archivedAt: i.archivedAt, dueDate: i.dueDate,
    url: issueUrl(origin, ws, i),
    state: { id: state.id, name: state.name, type: state.type, position: state.position },
    assignee: user ? { id: user.id, name: user.name, displayName: user.name } : null,
    cycle: cycle ? { id: cycle.id, number: cycle.number, name: cycle.name } : null,
    project: project ? { id: project.id, name: project.name, slugId: project.slugId, url: projectUrl(origin, ws, project) } : null,
    labels: (args: Page) => connection(ws.labels.filter((l) => i.labelIds.includes(l.id)).map((l) => ({ ...l, createdAt: i.createdAt })), args, (l) => l.createdAt, (l) => ({ id: l.id, name: l.name })),
    inverseRelations: (args: Page) =>
      connection(blockers.map((b) => ({ id: `${b.id}:${i.id}`, createdAt: i.createdAt, b })), args, (r) => r.createdAt, (r) => ({ id: r.id, type: "blocks", issue: { id: r.b.id, identifier: r.b.identifier, completedAt: r.b.completedAt, state: { type: ws.states.find((s) => s.id === r.b.stateId)!.type } } })),
  };
}

// Project.state is deprecated for Project.status (a workspace's own named statuses, each of a type).
const STATUS_NAMES: Record<string, string> = { backlog: "Backlog", planned: "Planned", started: "In Progress", paused: "Paused", completed: "Completed", canceled: "Canceled" };
function projectStatus(p: LinearWorkspace["projects"][number]) {
  const type = p.state in STATUS_NAMES ? p.state : "started";
  return { id: `status-${type}`, name: STATUS_NAMES[type], type, color: "#5e6ad2", position: Object.keys(STATUS_NAMES).indexOf(type), indefinite: type !== "started", createdAt: p.createdAt, updatedAt: p.createdAt, archivedAt: null, description: null };
}

type IssueCreateInput = { id?: string; teamId: string; title: string; description?: string; priority?: number; dueDate?: string; stateId?: string };

export function linearRoot(ws: LinearWorkspace, origin: string) {
  return {
    teams: (args: Page) => connection([{ id: ws.teamId, key: ws.teamKey, name: ws.teamKey, updatedAt: new Date(0) }], args, (t) => t.updatedAt, (t) => ({ id: t.id, key: t.key, name: t.name })),
    issue: ({ id }: { id: string }) => {
      const i = issueById(ws, id);
      if (!i) throw new Error("Entity not found: Issue");
      return issueNode(ws, i, origin);
    },
    issueCreate: ({ input }: { input: IssueCreateInput }) => {
      if (input.teamId !== ws.teamId) throw new Error("Entity not found: Team");
      if (input.id && issueById(ws, input.id)) throw new Error("Entity already exists");
      const now = new Date();
      const number = Math.max(0, ...ws.issues.map((i) => i.number)) + 1;
      const issue: LinIssue = {
        id: input.id ?? crypto.randomUUID(), identifier: `${ws.teamKey}-${number}`, number, title: input.title, description: input.description ?? "", priority: input.priority ?? 0, estimate: null,
        createdAt: now, updatedAt: now, completedAt: null, archivedAt: null, dueDate: input.dueDate ?? null,
        stateId: input.stateId ?? ws.states.find((st) => st.type === "unstarted")?.id ?? ws.states[0]!.id, cycleId: null, projectId: null, labelIds: [], assigneeId: null, blockedByIds: [],
      };
      ws.issues.push(issue);
      return { success: true, lastSyncId: ws.issues.length, issue: issueNode(ws, issue, origin) };
    },
    issues: (args: Page) => {
      const keep = updatedFilter(args);
      const order = args.orderBy === "createdAt" ? "createdAt" : "updatedAt";
      return connection(ws.issues.filter((i) => (args.includeArchived || !i.archivedAt) && keep(i.updatedAt)), args, (i) => i[order], (i) => issueNode(ws, i, origin), { owner: ws, key: `issues:${order}:${JSON.stringify(args.filter ?? {})}:${!!args.includeArchived}` });
    },
    workflowStates: (args: Page) => connection(ws.states.map((s) => ({ ...s, updatedAt: new Date(0) })), args, (s) => s.updatedAt, (s) => ({ id: s.id, name: s.name, type: s.type, position: s.position })),
    cycles: (args: Page) => connection(ws.cycles, args, (c) => c.updatedAt, (c) => ({ ...c })),
    projects: (args: Page) => {
      const keep = updatedFilter(args);
      return connection(ws.projects.filter((p) => keep(p.updatedAt)), args, (p) => p.updatedAt, (p) => ({ id: p.id, name: p.name, slugId: p.slugId, url: projectUrl(origin, ws, p), state: p.state, status: projectStatus(p), targetDate: p.targetDate, updatedAt: p.updatedAt, lead: ws.users.find((u) => u.id === p.leadId) ?? null }));
    },
  };
}

// A real server parses and validates every request; so do we, once per distinct query text.
const validDocuments = new Map<string, DocumentNode>();

/** Linear's documented limits for an API key (linear.app/developers/rate-limiting). */
export const LINEAR_API_KEY_LIMITS = { requestsPerHour: 5_000, complexityPerHour: 3_000_000, maxComplexity: LINEAR_MAX_COMPLEXITY };
export type LinearSimLimits = typeof LINEAR_API_KEY_LIMITS;
const HOUR = 3600_000;

/** A leaky bucket: `limit` tokens, refilled at limit per hour, never above `limit`. */
class Bucket {
  private level: number;
  private at: number;
  constructor(private limit: number, now: number) {
    this.level = limit;
    this.at = now;
  }
  available(now: number) {
    this.level = Math.min(this.limit, this.level + ((now - this.at) * this.limit) / HOUR);
    this.at = now;
    return this.level;
  }
  take(n: number, now: number) {
    this.available(now);
    this.level -= n;
  }
  /** When the bucket is full again (the leaky-bucket reading of "the window resets"). */
  resetAt(now: number) {
    return Math.ceil(now + ((this.limit - this.available(now)) * HOUR) / this.limit);
  }
}

/**
 * The simulator's clock and limits, per API key. Tests fake time (`advance`) so an hour's budget
 * refills without waiting an hour, and may scale the budgets down; `stats` counts what Linear would
 * have refused: requests over a budget (rateLimited) and queries over the complexity cap (tooComplex).
 */
export function linearRateControl(limits: Partial<LinearSimLimits> = {}) {
  let offset = 0;
  let fixed: number | null = null;
  const state = {
    limits: { ...LINEAR_API_KEY_LIMITS, ...limits },
    buckets: new Map<string, { requests: Bucket; complexity: Bucket }>(),
    stats: { requests: 0, rateLimited: 0, tooComplex: 0, complexitySpent: 0, maxComplexitySeen: 0 },
    now: () => (fixed ?? Date.now()) + offset,
    /** Stop the clock at `epochMs` (it then moves only by `advance`). */
    setTime(epochMs: number) {
      fixed = epochMs;
      offset = 0;
    },
    advance(ms: number) {
      offset += ms;
    },
    /** New limits; every key starts again with full buckets. */
    configure(next: Partial<LinearSimLimits>) {
      state.limits = { ...state.limits, ...next };
      state.buckets.clear();
    },
    resetStats() {
      state.stats = { requests: 0, rateLimited: 0, tooComplex: 0, complexitySpent: 0, maxComplexitySeen: 0 };
    },
    bucketsOf(key: string) {
      let b = state.buckets.get(key);
      if (!b) state.buckets.set(key, (b = { requests: new Bucket(state.limits.requestsPerHour, state.now()), complexity: new Bucket(state.limits.complexityPerHour, state.now()) }));
      return b;
    },
    headers(key: string, complexity: number | null) {
      const now = state.now();
      const b = state.bucketsOf(key);
      return {
        // The Date header follows the simulator's clock: clients read reset times relative to it.
        date: new Date(now).toUTCString(),
        "x-ratelimit-requests-limit": String(state.limits.requestsPerHour),
        "x-ratelimit-requests-remaining": String(Math.max(0, Math.floor(b.requests.available(now)))),
        "x-ratelimit-requests-reset": String(b.requests.resetAt(now)),
        "x-ratelimit-complexity-limit": String(state.limits.complexityPerHour),
        "x-ratelimit-complexity-remaining": String(Math.max(0, Math.floor(b.complexity.available(now)))),
        "x-ratelimit-complexity-reset": String(b.complexity.resetAt(now)),
        ...(complexity !== null ? { "x-complexity": String(complexity) } : {}),
      };
    },
  };
  return state;
}
export type LinearRateControl = ReturnType<typeof linearRateControl>;

/** Linear's error body: message, and in extensions a code, a type and a message for people. */
export function linearError(message: string, code: string, type: string, userPresentableMessage: string, extra: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { code, type, userError: true, userPresentableMessage, meta: {}, ...extra } }] };
}
export const rateLimitedBody = () => linearError("Rate limit exceeded", "RATELIMITED", "ratelimited", "You have exceeded the rate limit. Please try again later.", { statusCode: 429 });

/** Which Linear workspace a key belongs to: keys are `lin_api_<workspaceId>` in the simulator. */
export function linearHandler(ws: Workspace, keyPrefix = "lin_api_", rate: LinearRateControl = linearRateControl()) {
  return async (req: SimRequest): Promise<SimResponse> => {
    if (req.method !== "POST" || req.path !== "/graphql") return { status: 404, body: { errors: [{ message: "Not found" }] } };
    const auth = String(req.headers.authorization ?? "");
    if (auth.startsWith("Bearer ")) return { status: 400, body: { errors: [{ message: "API keys are sent without the Bearer prefix", extensions: { code: "INPUT_ERROR" } }] } };
    const project = auth.startsWith(keyPrefix) ? ws.byLinearWorkspace(auth.slice(keyPrefix.length)) : undefined;
    if (!project) return { status: 401, body: { errors: [{ message: "Authentication required, not authenticated", extensions: { code: "AUTHENTICATION_ERROR" } }] } };
    // From here on the key is known: every answer carries its budgets.
    rate.stats.requests++;
    const now = rate.now();
    const buckets = rate.bucketsOf(auth);
    const refuse = (status: number, body: unknown, complexity: number | null = null): SimResponse => {
      // A refused request still costs a request (not its complexity: it never ran).
      buckets.requests.take(1, now);
      return { status, body, headers: rate.headers(auth, complexity) };
    };
    const body = req.body as { query?: string; variables?: Record<string, unknown>; operationName?: string } | undefined;
    if (!body?.query) return refuse(400, { errors: [{ message: "Must provide query string." }] });
    let doc = validDocuments.get(body.query);
    if (!doc) {
      try {
        doc = parse(body.query);
      } catch (e) {
        return refuse(400, { errors: [{ message: (e as Error).message, extensions: { code: "GRAPHQL_PARSE_FAILED" } }] });
      }
      const errors = validate(linearSchema(), doc);
      if (errors.length) return refuse(400, { errors: errors.map((e) => ({ message: e.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })) });
      validDocuments.set(body.query, doc);
    }
    const complexity = linearComplexity(doc, body.variables ?? {}, { operationName: body.operationName });
    rate.stats.maxComplexitySeen = Math.max(rate.stats.maxComplexitySeen, complexity);
    if (complexity > rate.limits.maxComplexity) {
      rate.stats.tooComplex++;
      return refuse(400, linearError("Query too complex", "INPUT_ERROR", "invalid input", `The query is too complex. Complexity: ${complexity}. Maximum allowed complexity: ${rate.limits.maxComplexity}.`), complexity);
    }
    if (buckets.requests.available(now) < 1 || buckets.complexity.available(now) < complexity) {
      rate.stats.rateLimited++;
      return { status: 400, body: rateLimitedBody(), headers: rate.headers(auth, complexity) };
    }
    buckets.requests.take(1, now);
    buckets.complexity.take(complexity, now);
    rate.stats.complexitySpent += complexity;
    const result = await execute({ schema: linearSchema(), document: doc, rootValue: linearRoot(project.linear, req.origin), variableValues: body.variables, operationName: body.operationName });
    return { status: 200, body: result, headers: rate.headers(auth, complexity) };
  };
}

const PRIORITY = ["No priority", "Urgent", "High", "Medium", "Low"];

/** Linear's web app, read-only and without sign-in: an issue and a project (stage) at their API `url`s. */
export function linearPages(ws: Workspace) {
  return (req: SimRequest): SimPage | null => {
    const issue = /^\/([a-z0-9-]+)\/issue\/([A-Za-z0-9]+-\d+)(?:\/[^/]*)?\/?$/.exec(req.path);
    if (issue) {
      const lin = ws.byLinearUrlKey(issue[1]!)?.linear;
      const i = lin?.issues.find((x) => x.identifier === issue[2]!.toUpperCase());
      return lin && i ? issuePage(lin, i, req.origin) : notFoundPage("Linear", `Issue ${issue[2]}`);
    }
    // The slugId ends the project segment; views of it (`/overview`, `/issues`, …) may follow.
    const proj = /^\/([a-z0-9-]+)\/project\/(?:[^/]*-)?([0-9a-f]{12})(?:\/[a-z]+)?\/?$/.exec(req.path);
    if (proj) {
      const lin = ws.byLinearUrlKey(proj[1]!)?.linear;
      const p = lin?.projects.find((x) => x.slugId === proj[2]);
      return lin && p ? projectPage(lin, p, req.origin) : notFoundPage("Linear", `Project ${proj[2]}`);
    }
    return null;
  };
}

function issuePage(ws: LinearWorkspace, i: LinIssue, origin: string): SimPage {
  const state = ws.states.find((s) => s.id === i.stateId);
  const project = ws.projects.find((p) => p.id === i.projectId);
  const blockers = i.blockedByIds.map((id) => issueById(ws, id)).filter((x): x is LinIssue => !!x);
  const blocks = ws.issues.filter((x) => x.blockedByIds.includes(i.id));
  const ref = (x: LinIssue) => html`<a href="${issueUrl(origin, ws, x)}">${x.identifier}</a> ${x.title} <span class="meta">(${ws.states.find((s) => s.id === x.stateId)?.name ?? "?"})</span>`;
  return page(`${i.identifier} ${i.title}`, "Linear", html`
<dl><dt>Identifier</dt><dd>${i.identifier}</dd><dt>State</dt><dd>${state?.name ?? "?"} (${state?.type ?? "?"})</dd>
<dt>Priority</dt><dd>${PRIORITY[i.priority] ?? i.priority}</dd><dt>Assignee</dt><dd>${ws.users.find((u) => u.id === i.assigneeId)?.name ?? "unassigned"}</dd>
<dt>Due date</dt><dd>${i.dueDate ?? "none"}</dd><dt>Labels</dt><dd>${ws.labels.filter((l) => i.labelIds.includes(l.id)).map((l) => l.name).join(", ") || "none"}</dd>
<dt>Project</dt><dd>${project ? html`<a href="${projectUrl(origin, ws, project)}">${project.name}</a>` : "none"}</dd>
<dt>Created</dt><dd>${time(i.createdAt)}</dd><dt>Updated</dt><dd>${time(i.updatedAt)}</dd>${i.completedAt ? html`<dt>Completed</dt><dd>${time(i.completedAt)}</dd>` : ""}</dl>
<h2>Description</h2><p class="body">${i.description || "No description."}</p>
<h2>Blocked by (${blockers.length})</h2>${blockers.length ? html`<ul>${blockers.map((b) => html`<li>${ref(b)}</li>`)}</ul>` : html`<p>Nothing.</p>`}
${blocks.length ? html`<h2>Blocks (${blocks.length})</h2><ul>${blocks.map((b) => html`<li>${ref(b)}</li>`)}</ul>` : ""}`);
}

const PROJECT_ISSUES_SHOWN = 200;

function projectPage(ws: LinearWorkspace, p: LinearWorkspace["projects"][number], origin: string): SimPage {
  const issues = ws.issues.filter((i) => i.projectId === p.id && !i.archivedAt);
  return page(p.name, "Linear", html`
<dl><dt>State</dt><dd>${p.state}</dd><dt>Target date</dt><dd>${p.targetDate ?? "none"}</dd><dt>Lead</dt><dd>${ws.users.find((u) => u.id === p.leadId)?.name ?? "none"}</dd>
<dt>Updated</dt><dd>${time(p.updatedAt)}</dd></dl>
<h2>Issues (${issues.length})</h2>
<ul>${issues.slice(0, PROJECT_ISSUES_SHOWN).map((i) => html`<li><a href="${issueUrl(origin, ws, i)}">${i.identifier}</a> ${i.title} <span class="meta">(${ws.states.find((s) => s.id === i.stateId)?.name ?? "?"}${i.dueDate ? `, due ${i.dueDate}` : ""})</span></li>`)}</ul>
${issues.length > PROJECT_ISSUES_SHOWN ? html`<p class="meta">and ${issues.length - PROJECT_ISSUES_SHOWN} more</p>` : ""}`);
}

export async function startLinearSim(ws: Workspace, port?: number, limits: Partial<LinearSimLimits> = {}) {
  const rate = linearRateControl(limits);
  const server = await startSimServer("linear", linearHandler(ws, "lin_api_", rate), {
    pages: linearPages(ws),
    // An injected rate limit looks like Linear's: HTTP 400, RATELIMITED, budgets spent until the reset.
    renderRateLimit: (f) => {
      const now = rate.now();
      const reset = String(now + 1000 * (f.retryAfterSeconds ?? 1));
      return {
        status: 400,
        body: rateLimitedBody(),
        headers: {
          date: new Date(now).toUTCString(),
          "x-ratelimit-requests-limit": String(rate.limits.requestsPerHour), "x-ratelimit-requests-remaining": "0", "x-ratelimit-requests-reset": reset,
          "x-ratelimit-complexity-limit": String(rate.limits.complexityPerHour), "x-ratelimit-complexity-remaining": "0", "x-ratelimit-complexity-reset": reset,
        },
      };
    },
    renderError: (status) => ({ status, body: { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] } }),
    port,
  });
  return Object.assign(server, { rate });
}
