import fs from "node:fs";
import path from "node:path";
import { buildSchema, execute, parse, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import type { LinIssue, LinearWorkspace, Workspace } from "./generator.ts";
import { html, notFoundPage, page, slugify, time, type SimPage } from "./html.ts";
import { memoSorted } from "./sorted.ts";
import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Linear's GraphQL API: POST /graphql, API key in `Authorization` without "Bearer", Relay pagination
// (first/after, pageInfo{hasNextPage,endCursor}), filter:{updatedAt:{gt|gte}}, orderBy, includeArchived,
// rate-limit headers. Queries are validated and executed by graphql-js against Linear's published
// schema (vendored copy of ../shared/api-specs/linear.schema.graphql).

let schema: GraphQLSchema | undefined;
export function linearSchema(): GraphQLSchema {
  schema ??= buildSchema(fs.readFileSync(path.join(import.meta.dirname, "specs/linear.schema.graphql"), "utf8"), { assumeValidSDL: true });
  return schema;
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
      return connection(ws.projects.filter((p) => keep(p.updatedAt)), args, (p) => p.updatedAt, (p) => ({ id: p.id, name: p.name, slugId: p.slugId, url: projectUrl(origin, ws, p), state: p.state, targetDate: p.targetDate, updatedAt: p.updatedAt, lead: ws.users.find((u) => u.id === p.leadId) ?? null }));
    },
  };
}

// A real server parses and validates every request; so do we, once per distinct query text.
const validDocuments = new Map<string, DocumentNode>();

/** Which Linear workspace a key belongs to: keys are `lin_api_<workspaceId>` in the simulator. */
export function linearHandler(ws: Workspace, keyPrefix = "lin_api_") {
  let remaining = 1500;
  return async (req: SimRequest): Promise<SimResponse> => {
    const headers = { "x-ratelimit-requests-limit": "1500", "x-ratelimit-requests-remaining": String(Math.max(0, --remaining)), "x-ratelimit-requests-reset": String(Date.now() + 3600_000) };
    if (req.method !== "POST" || req.path !== "/graphql") return { status: 404, body: { errors: [{ message: "Not found" }] }, headers };
    const auth = String(req.headers.authorization ?? "");
    if (auth.startsWith("Bearer ")) return { status: 400, body: { errors: [{ message: "API keys are sent without the Bearer prefix", extensions: { code: "INPUT_ERROR" } }] }, headers };
    const project = auth.startsWith(keyPrefix) ? ws.byLinearWorkspace(auth.slice(keyPrefix.length)) : undefined;
    if (!project) return { status: 401, body: { errors: [{ message: "Authentication required, not authenticated", extensions: { code: "AUTHENTICATION_ERROR" } }] }, headers };
    const body = req.body as { query?: string; variables?: Record<string, unknown> } | undefined;
    if (!body?.query) return { status: 400, body: { errors: [{ message: "Must provide query string." }] }, headers };
    let doc = validDocuments.get(body.query);
    if (!doc) {
      try {
        doc = parse(body.query);
      } catch (e) {
        return { status: 400, body: { errors: [{ message: (e as Error).message, extensions: { code: "GRAPHQL_PARSE_FAILED" } }] }, headers };
      }
      const errors = validate(linearSchema(), doc);
      if (errors.length) return { status: 400, body: { errors: errors.map((e) => ({ message: e.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })) }, headers };
      validDocuments.set(body.query, doc);
    }
    const result = await execute({ schema: linearSchema(), document: doc, rootValue: linearRoot(project.linear, req.origin), variableValues: body.variables });
    return { status: 200, body: result, headers };
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

export function startLinearSim(ws: Workspace, port?: number) {
  return startSimServer("linear", linearHandler(ws), {
    pages: linearPages(ws),
    renderRateLimit: (f) => ({
      status: 429,
      body: { errors: [{ message: "Rate limit exceeded", extensions: { code: "RATELIMITED" } }] },
      headers: { "retry-after": String(f.retryAfterSeconds ?? 1), "x-ratelimit-requests-limit": "1500", "x-ratelimit-requests-remaining": "0", "x-ratelimit-requests-reset": String(Date.now() + 1000 * (f.retryAfterSeconds ?? 1)) },
    }),
    renderError: (status) => ({ status, body: { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] } }),
    port,
  });
}
