import { z } from "zod";
import { appendEvents, dedupeKey, type NewEvent } from "../events/event-log.ts";
import { bulkUpsert, inTransaction, softDeleteMissing } from "./bulk-upsert.ts";
import { ConnectorError } from "./http-client.ts";
import { linearBudgetOf } from "./linear-budget.ts";
import { linearComplexity } from "./linear-complexity.ts";
import type { SyncContext, SyncResult } from "./types.ts";

// Linear: issues changed since the cursor (filter updatedAt >= cursor, orderBy updatedAt, archived
// included), every page via first/after until hasNextPage is false. Projects, workflow states and
// cycles are paged the same way. Issues deleted outright never show up as changed, so once a day all
// issue ids are listed and the missing ones soft-deleted. Evidence links are exactly the `url` Linear
// returns for an issue or a project (stage), never built here: only Linear knows the workspace's URL key.

/**
 * Page sizes. Linear refuses a query over 10,000 complexity points and bills every point against the
 * key's hourly budget; a connection multiplies what it selects by its page size, so the nested
 * connections of an issue page are kept small and paged on their own when full (an issue with more
 * labels or relations than one nested page gets follow-up queries, nothing is cut off).
 * linear-complexity.test.ts keeps every document below 8,000 points with these sizes.
 */
export const LINEAR_PAGE = { issues: 100, labels: 10, relations: 5, nested: 100, structure: 100, ids: 250 } as const;

const PAGE_INFO = "pageInfo { hasNextPage endCursor }";
const RELATION_FIELDS = "type issue { id completedAt state { type } }";

export const ISSUES_QUERY = /* GraphQL */ `
  query SyncIssues($first: Int!, $after: String, $since: DateTimeOrDuration) {
    issues(first: $first, after: $after, orderBy: updatedAt, includeArchived: true, filter: { updatedAt: { gte: $since } }) {
      nodes {
        id
        identifier
        number
        title
        description
        priority
        estimate
        url
        dueDate
        createdAt
        updatedAt
        completedAt
        archivedAt
        state {
          id
          name
          type
        }
        cycle {
          id
        }
        project {
          id
        }
        assignee {
          name
        }
        labels(first: ${LINEAR_PAGE.labels}) {
          nodes {
            name
          }
          ${PAGE_INFO}
        }
        inverseRelations(first: ${LINEAR_PAGE.relations}) {
          nodes {
            ${RELATION_FIELDS}
          }
          ${PAGE_INFO}
        }
      }
      ${PAGE_INFO}
    }
  }
`;

/** The rest of one issue's labels, when the issue page's nested page was full. */
export const ISSUE_LABELS_QUERY = /* GraphQL */ `
  query IssueLabelsPage($id: String!, $first: Int!, $after: String) {
    issue(id: $id) {
      labels(first: $first, after: $after) {
        nodes {
          name
        }
        ${PAGE_INFO}
      }
    }
  }
`;

/** The rest of one issue's inverse relations (its blockers among them). */
export const ISSUE_RELATIONS_QUERY = /* GraphQL */ `
  query IssueRelationsPage($id: String!, $first: Int!, $after: String) {
    issue(id: $id) {
      inverseRelations(first: $first, after: $after) {
        nodes {
          ${RELATION_FIELDS}
        }
        ${PAGE_INFO}
      }
    }
  }
`;

export const ISSUE_IDS_QUERY = /* GraphQL */ `
  query IssueIds($first: Int!, $after: String) {
    issues(first: $first, after: $after, includeArchived: true) {
      nodes {
        id
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export const STRUCTURE_QUERY = /* GraphQL */ `
  query SyncStructure($first: Int!, $afterProjects: String, $afterStates: String, $afterCycles: String) {
    projects(first: $first, after: $afterProjects, includeArchived: true) {
      nodes {
        id
        name
        url
        status {
          name
          type
        }
        targetDate
        updatedAt
        lead {
          name
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    workflowStates(first: $first, after: $afterStates) {
      nodes {
        id
        name
        type
        position
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    cycles(first: $first, after: $afterCycles, includeArchived: true) {
      nodes {
        id
        number
        name
        startsAt
        endsAt
        completedAt
        progress
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const gql = <T extends z.ZodType>(data: T) => z.object({ data: data.nullable(), errors: z.array(z.object({ message: z.string() }).passthrough()).optional() });
const labelConn = z.object({ nodes: z.array(z.object({ name: z.string() })), pageInfo });
const relation = z.object({ type: z.string(), issue: z.object({ id: z.string(), completedAt: z.string().nullable(), state: z.object({ type: z.string() }) }) });
const relationConn = z.object({ nodes: z.array(relation), pageInfo });
const issue = z.object({
  id: z.string(),
  identifier: z.string(),
  number: z.number(),
  title: z.string(),
  description: z.string().nullable(),
  priority: z.number(),
  estimate: z.number().nullable(),
  url: z.string(),
  dueDate: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
  archivedAt: z.string().nullable(),
  state: z.object({ id: z.string(), name: z.string(), type: z.string() }),
  cycle: z.object({ id: z.string() }).nullable(),
  project: z.object({ id: z.string() }).nullable(),
  assignee: z.object({ name: z.string() }).nullable(),
  labels: labelConn,
  inverseRelations: relationConn,
});
const issuesPage = gql(z.object({ issues: z.object({ nodes: z.array(issue), pageInfo }) }));
const labelsPage = gql(z.object({ issue: z.object({ labels: labelConn }) }));
const relationsPage = gql(z.object({ issue: z.object({ inverseRelations: relationConn }) }));
const idsPage = gql(z.object({ issues: z.object({ nodes: z.array(z.object({ id: z.string() })), pageInfo }) }));
const structurePage = gql(
  z.object({
    projects: z.object({
      nodes: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          url: z.string(),
          status: z.object({ name: z.string(), type: z.string() }),
          targetDate: z.string().nullable(),
          updatedAt: z.string(),
          lead: z.object({ name: z.string() }).nullable(),
        }),
      ),
      pageInfo,
    }),
    workflowStates: z.object({ nodes: z.array(z.object({ id: z.string(), name: z.string(), type: z.string(), position: z.number() })), pageInfo }),
    cycles: z.object({
      nodes: z.array(
        z.object({
          id: z.string(),
          number: z.number(),
          name: z.string().nullable(),
          startsAt: z.string(),
          endsAt: z.string(),
          completedAt: z.string().nullable(),
          progress: z.number(),
        }),
      ),
      pageInfo,
    }),
  }),
);

/**
 * `updatedAt`: every issue changed before it is stored. `resume`: a run stopped for the budget inside
 * the issue pass — the next one continues after the last page it wrote (`after`, same `since` filter;
 * issues changed meanwhile move behind the cursor, so none is skipped). `fullScanAt`: last id scan.
 */
type Cursor = { updatedAt?: string; fullScanAt?: string; resume?: { since: string; after: string; maxUpdated: string } };
const FULL_SCAN_MS = 24 * 3600_000;
const EPOCH = "1970-01-01T00:00:00.000Z";

/** The variables each document is sent with at most (the complexity test computes them with these). */
export const LINEAR_QUERY_VARIABLES: Record<string, Record<string, unknown>> = {
  SyncIssues: { first: LINEAR_PAGE.issues, after: "cursor", since: EPOCH },
  IssueLabelsPage: { id: "id", first: LINEAR_PAGE.nested, after: "cursor" },
  IssueRelationsPage: { id: "id", first: LINEAR_PAGE.nested, after: "cursor" },
  SyncStructure: { first: LINEAR_PAGE.structure, afterProjects: "c", afterStates: "c", afterCycles: "c" },
  IssueIds: { first: LINEAR_PAGE.ids, after: "cursor" },
};

/** The run stops here on purpose (Linear's budget, or this run's request budget); thrown before a request is sent. */
class StopRun extends Error {
  constructor(readonly reason: string, readonly resumeAfterMs: number) {
    super(reason);
  }
}

type IssueOld = { blocked: boolean; completed_at: string | null; state_type: string | null };
type IssueNode = z.infer<typeof issue>;

export async function syncLinear(ctx: SyncContext): Promise<SyncResult> {
  const { db, projectId, http, now } = ctx;
  const ws = ctx.source.externalId;
  const cursor = ctx.cursor as Cursor;
  const budget = linearBudgetOf(ctx.source);
  const counters: Counters = { pages: 0, nestedPages: 0, issuesFetched: 0, issuesWritten: 0, projectsWritten: 0, statesWritten: 0, cyclesWritten: 0, issuesDeleted: 0, eventsWritten: 0, complexity: 0 };
  const post = async <D>(query: string, variables: Record<string, unknown>, schema: z.ZodType<{ data: D | null; errors?: { message: string }[] }>): Promise<D> => {
    // Before sending: does the key's budget (as its last answer told) still cover this query and
    // leave the reserve? If not, stop here — the caller is at a page boundary — and resume once it refilled.
    const cost = linearComplexity(query, variables);
    const wait = budget?.waitFor(cost) ?? 0;
    if (wait > 0) throw new StopRun(`Linear's hourly budget for this key is nearly spent (next query: ${cost} points)`, budget!.resumeAfterMs(cost));
    let res;
    try {
      res = await http.request("POST", "graphql", { body: { query, variables }, schema });
    } catch (e) {
      if (e instanceof ConnectorError && (e.kind === "budget_exhausted" || e.kind === "rate_limited")) {
        // No HTTP status: this run's own request budget is spent (resume right away in a new run);
        // otherwise Linear refused for its rate limit (resume when the budget has refilled).
        const provider = e.details.status !== undefined;
        throw new StopRun(provider ? `Linear rate-limited this key: ${e.message}` : e.message, provider ? (budget?.resumeAfterMs(cost) ?? 60_000) : 1_000);
      }
      throw e;
    }
    counters.pages++;
    counters.complexity += cost;
    const body = res.data;
    if (body.errors?.length || !body.data) throw new ConnectorError("client_error", `Linear GraphQL error: ${body.errors?.map((e) => e.message).join("; ") ?? "no data"}`);
    return body.data;
  };
  const stopped = (e: unknown, result: SyncResult["cursor"]): SyncResult => {
    if (!(e instanceof StopRun)) throw e;
    return { cursor: result, counters, incomplete: { reason: e.reason, resumeAfterMs: e.resumeAfterMs } };
  };

  // Structure first: projects, states, cycles (all pages of each). Upserts are idempotent, so a run
  // stopped here simply starts again from the same cursor.
  try {
    await syncStructure(ctx, post, counters);
  } catch (e) {
    return stopped(e, { ...cursor });
  }

  // Issues changed since the cursor (or where a stopped run left off), all pages.
  const since = cursor.resume?.since ?? cursor.updatedAt ?? EPOCH;
  let maxUpdated = cursor.resume?.maxUpdated ?? since;
  // The first sync reads every issue: it starts the deletion-scan clock instead of scanning at once.
  const firstScanAt = cursor.fullScanAt ?? (cursor.updatedAt || cursor.resume ? undefined : now.toISOString());
  let written = cursor.resume?.after;
  const fetchIssues = (after: string | undefined) => post(ISSUES_QUERY, { first: LINEAR_PAGE.issues, after, since }, issuesPage);
  let pending = fetchIssues(written);
  for (;;) {
    let page: IssueNode[];
    let next: Promise<z.infer<typeof issuesPage>["data"] & object> | null;
    let end: string | undefined;
    try {
      const d = await pending;
      page = d.issues.nodes;
      // The page is written only once complete: its issues' overflowing nested connections first.
      await completeNested(page, post, counters);
      end = d.issues.pageInfo.endCursor ?? undefined;
      // Pipelined: the next page is on its way while this one is written. If the write fails, the
      // prefetch is abandoned; its rejection must not go unhandled.
      next = d.issues.pageInfo.hasNextPage ? fetchIssues(end) : null;
      next?.catch(() => undefined);
    } catch (e) {
      // Nothing written yet in this pass: the old place still holds (a run that had resumed keeps its own).
      return stopped(e, { updatedAt: cursor.updatedAt, fullScanAt: firstScanAt, ...(written ? { resume: { since, after: written, maxUpdated } } : {}) });
    }
    counters.issuesFetched += page.length;
    for (const i of page) if (i.updatedAt > maxUpdated) maxUpdated = i.updatedAt;
    await writeIssues(ctx, page, counters);
    written = end;
    if (!next) break;
    pending = next;
  }

  // Daily: soft-delete issues that no longer exist upstream. A scan cut short by the budget deletes
  // nothing (a partial id list would delete the unseen rest) and runs again next time.
  let fullScanAt = firstScanAt;
  if (!fullScanAt || now.getTime() - Date.parse(fullScanAt) > FULL_SCAN_MS) {
    const ids: string[] = [];
    try {
      let a: string | undefined;
      for (;;) {
        const d = await post(ISSUE_IDS_QUERY, { first: LINEAR_PAGE.ids, after: a }, idsPage);
        ids.push(...d.issues.nodes.map((n) => n.id));
        if (!d.issues.pageInfo.hasNextPage) break;
        a = d.issues.pageInfo.endCursor ?? undefined;
      }
    } catch (e) {
      counters.eventsWritten += await appendEvents(db, await stageOverdueEvents(ctx));
      return stopped(e, { updatedAt: maxUpdated, fullScanAt });
    }
    await inTransaction(db, async (tx) => {
      const gone = await softDeleteMissing(tx, "linear_issues", projectId, ids, now);
      counters.issuesDeleted = gone.length;
      counters.eventsWritten += await appendEvents(
        tx,
        gone.map((id): NewEvent => ({
          projectId,
          category: "domain",
          eventType: "issue_deleted",
          occurredAt: now,
          source: "linear",
          sourceRef: `linissue:${ws}:${id}`,
          payload: { issueId: id },
          dedupeKey: dedupeKey("linear", ws, "issue_deleted", id),
        })),
      );
    });
    fullScanAt = now.toISOString();
  }

  counters.eventsWritten += await appendEvents(db, await stageOverdueEvents(ctx));
  return { cursor: { updatedAt: maxUpdated, fullScanAt }, counters };
}

type Counters = Record<"pages" | "nestedPages" | "issuesFetched" | "issuesWritten" | "projectsWritten" | "statesWritten" | "cyclesWritten" | "issuesDeleted" | "eventsWritten" | "complexity", number>;
type Post = <D>(query: string, variables: Record<string, unknown>, schema: z.ZodType<{ data: D | null; errors?: { message: string }[] }>) => Promise<D>;

/** Follows every full nested connection of the page's issues to its end (in place). */
async function completeNested(page: IssueNode[], post: Post, counters: Counters) {
  for (const i of page) {
    for (let c = i.labels; c.pageInfo.hasNextPage && c.pageInfo.endCursor; ) {
      const d = await post(ISSUE_LABELS_QUERY, { id: i.id, first: LINEAR_PAGE.nested, after: c.pageInfo.endCursor }, labelsPage);
      counters.nestedPages++;
      c = d.issue.labels;
      i.labels.nodes.push(...c.nodes);
    }
    for (let c = i.inverseRelations; c.pageInfo.hasNextPage && c.pageInfo.endCursor; ) {
      const d = await post(ISSUE_RELATIONS_QUERY, { id: i.id, first: LINEAR_PAGE.nested, after: c.pageInfo.endCursor }, relationsPage);
      counters.nestedPages++;
      c = d.issue.inverseRelations;
      i.inverseRelations.nodes.push(...c.nodes);
    }
  }
}

async function syncStructure(ctx: SyncContext, post: Post, counters: Counters) {
  const { db, projectId } = ctx;
  const ws = ctx.source.externalId;
  // Structure: projects, states, cycles (all pages of each).
  const after = { projects: undefined as string | undefined, states: undefined as string | undefined, cycles: undefined as string | undefined };
  const more = { projects: true, states: true, cycles: true };
  while (more.projects || more.states || more.cycles) {
    const d = await post(STRUCTURE_QUERY, { first: LINEAR_PAGE.structure, afterProjects: after.projects, afterStates: after.states, afterCycles: after.cycles }, structurePage);
    if (more.projects)
      counters.projectsWritten += (
        await bulkUpsert(
          db,
          "linear_projects",
          [
            { name: "workspace_id", type: "text" },
            { name: "name", type: "text" },
            { name: "state", type: "text" },
            { name: "lead_name", type: "text" },
            { name: "target_date", type: "date" },
            { name: "source_updated_at", type: "timestamptz" },
            { name: "data", type: "jsonb" },
          ],
          d.projects.nodes.map((p) => ({
            project_id: projectId,
            external_id: p.id,
            workspace_id: ws,
            name: p.name,
            // Our column keeps its meaning (the lifecycle: planned, started, completed, canceled…) now
            // that Project.state is deprecated: the status's type, its workspace-specific name in data.
            state: p.status.type,
            lead_name: p.lead?.name ?? null,
            target_date: p.targetDate,
            source_updated_at: p.updatedAt,
            data: p,
          })),
        )
      ).length;
    if (more.states)
      counters.statesWritten += (
        await bulkUpsert(
          db,
          "linear_states",
          [
            { name: "workspace_id", type: "text" },
            { name: "name", type: "text" },
            { name: "type", type: "text" },
            { name: "position", type: "float8" },
            { name: "data", type: "jsonb" },
          ],
          d.workflowStates.nodes.map((s) => ({ project_id: projectId, external_id: s.id, workspace_id: ws, name: s.name, type: s.type, position: s.position, data: s })),
        )
      ).length;
    if (more.cycles)
      counters.cyclesWritten += (
        await bulkUpsert(
          db,
          "linear_cycles",
          [
            { name: "workspace_id", type: "text" },
            { name: "number", type: "int4" },
            { name: "name", type: "text" },
            { name: "starts_at", type: "timestamptz" },
            { name: "ends_at", type: "timestamptz" },
            { name: "completed_at", type: "timestamptz" },
            { name: "progress", type: "float8" },
            { name: "data", type: "jsonb" },
          ],
          d.cycles.nodes.map((c) => ({
            project_id: projectId,
            external_id: c.id,
            workspace_id: ws,
            number: c.number,
            name: c.name,
            starts_at: c.startsAt,
            ends_at: c.endsAt,
            completed_at: c.completedAt,
            progress: c.progress,
            data: c,
          })),
        )
      ).length;
    for (const [k, conn] of [
      ["projects", d.projects],
      ["states", d.workflowStates],
      ["cycles", d.cycles],
    ] as const) {
      if (!more[k]) continue;
      more[k] = conn.pageInfo.hasNextPage;
      after[k] = conn.pageInfo.endCursor ?? undefined;
    }
  }
}

/** One complete page of issues and the events of their transitions, in one transaction. */
async function writeIssues(ctx: SyncContext, nodes: IssueNode[], counters: Counters) {
  const { db, projectId } = ctx;
  const ws = ctx.source.externalId;
    const rows = nodes.map((i) => {
      const openBlockers = i.inverseRelations.nodes.filter((r) => r.type === "blocks" && !r.issue.completedAt && !["completed", "canceled"].includes(r.issue.state.type));
      return {
        project_id: projectId,
        external_id: i.id,
        workspace_id: ws,
        identifier: i.identifier,
        title: i.title,
        description: i.description,
        url: i.url,
        linear_project_id: i.project?.id ?? null,
        state_id: i.state.id,
        state_name: i.state.name,
        state_type: i.state.type,
        cycle_id: i.cycle?.id ?? null,
        labels: i.labels.nodes.map((l) => l.name),
        blocked: openBlockers.length > 0,
        blocked_by_count: openBlockers.length,
        priority: Math.round(i.priority),
        estimate: i.estimate,
        assignee_name: i.assignee?.name ?? null,
        due_date: i.dueDate,
        completed_at: i.completedAt,
        source_created_at: i.createdAt,
        source_updated_at: i.updatedAt,
        archived_at: i.archivedAt,
        // Stored complete, without the paging details of the nested connections.
        data: { ...i, labels: { nodes: i.labels.nodes }, inverseRelations: { nodes: i.inverseRelations.nodes }, blockedBy: openBlockers.map((r) => r.issue.id) },
      };
    });
    await inTransaction(db, async (tx) => {
      const written = await bulkUpsert<IssueOld>(
        tx,
        "linear_issues",
        [
          { name: "workspace_id", type: "text" },
          { name: "identifier", type: "text" },
          { name: "title", type: "text" },
          { name: "description", type: "text" },
          { name: "url", type: "text" },
          { name: "linear_project_id", type: "text" },
          { name: "state_id", type: "text" },
          { name: "state_name", type: "text" },
          { name: "state_type", type: "text" },
          { name: "cycle_id", type: "text" },
          { name: "labels", type: "text[]" },
          { name: "blocked", type: "bool" },
          { name: "blocked_by_count", type: "int4" },
          { name: "priority", type: "int4" },
          { name: "estimate", type: "float8" },
          { name: "assignee_name", type: "text" },
          { name: "due_date", type: "date" },
          { name: "completed_at", type: "timestamptz" },
          { name: "source_created_at", type: "timestamptz" },
          { name: "source_updated_at", type: "timestamptz" },
          { name: "archived_at", type: "timestamptz" },
          { name: "data", type: "jsonb" },
        ],
        rows,
        { returnOld: ["blocked", "completed_at", "state_type"] },
      );
      counters.issuesWritten += written.length;
      const byId = new Map(rows.map((r) => [r.external_id, r]));
      counters.eventsWritten += await appendEvents(
        tx,
        written.flatMap((w) => issueEvents(projectId, ws, byId.get(w.externalId)!, w.old)),
      );
    });
}

type IssueRow = {
  external_id: string;
  identifier: string;
  title: string;
  url: string;
  blocked: boolean;
  blocked_by_count: number;
  completed_at: string | null;
  state_type: string;
  source_created_at: string;
  source_updated_at: string;
  due_date: string | null;
  labels: string[];
  data: { blockedBy: string[] };
};

/** Events on transitions only: created, blocked/unblocked, completed. */
function issueEvents(projectId: string, ws: string, r: IssueRow, old: IssueOld | null): NewEvent[] {
  const base = {
    projectId,
    category: "domain" as const,
    source: "linear",
    sourceRef: `linissue:${ws}:${r.external_id}`,
    sourceUrl: r.url,
    actor: "team" as const,
    evidenceRefs: [{ kind: "issue" as const, id: r.external_id, url: r.url, snippet: `${r.identifier} ${r.title}`.slice(0, 300) }],
  };
  const payload = {
    issueId: r.external_id,
    identifier: r.identifier,
    title: r.title,
    state: r.state_type,
    blocked: r.blocked,
    blockedByCount: r.blocked_by_count,
    blockedBy: r.data.blockedBy,
    dueDate: r.due_date,
    labels: r.labels,
  };
  const out: NewEvent[] = [];
  if (!old)
    out.push({ ...base, eventType: "issue_created", occurredAt: new Date(r.source_created_at), payload, dedupeKey: dedupeKey("linear", ws, "issue_created", r.external_id) });
  const wasBlocked = old?.blocked ?? false;
  if (r.blocked && !wasBlocked)
    out.push({
      ...base,
      eventType: "issue_blocked",
      occurredAt: new Date(r.source_updated_at),
      payload,
      dedupeKey: dedupeKey("linear", ws, "issue_blocked", r.external_id, r.source_updated_at),
    });
  if (!r.blocked && wasBlocked)
    out.push({
      ...base,
      eventType: "issue_unblocked",
      occurredAt: new Date(r.source_updated_at),
      payload,
      dedupeKey: dedupeKey("linear", ws, "issue_unblocked", r.external_id, r.source_updated_at),
    });
  if (r.completed_at && !old?.completed_at)
    out.push({
      ...base,
      eventType: "issue_completed",
      occurredAt: new Date(r.completed_at),
      payload,
      dedupeKey: dedupeKey("linear", ws, "issue_completed", r.external_id, r.completed_at),
    });
  return out;
}

/**
 * A stage (Linear project) whose target date has passed while it is still open: one event per stage
 * and target date, found from the stored stages on every run — so the day a stage slips is noticed
 * even when nothing changed upstream, and moving the date and slipping again is a new event.
 */
async function stageOverdueEvents(ctx: SyncContext): Promise<NewEvent[]> {
  const ws = ctx.source.externalId;
  const rows = await ctx.db.$queryRaw<{ external_id: string; name: string; target_date: Date; state: string | null; data: { url?: string } }[]>`
    SELECT external_id, name, target_date, state, data FROM linear_projects
    WHERE project_id = ${ctx.projectId}::uuid AND deleted_at IS NULL AND target_date IS NOT NULL
      AND target_date < ${ctx.now}::date AND coalesce(state, '') NOT IN ('completed', 'canceled')`;
  return rows.map((r) => {
    const due = r.target_date.toISOString().slice(0, 10);
    return {
      projectId: ctx.projectId, category: "domain" as const, eventType: "stage_overdue", occurredAt: new Date(r.target_date.getTime() + 86_400_000), actor: "system" as const,
      source: "linear", sourceRef: `linproject:${ws}:${r.external_id}`, sourceUrl: r.data.url ?? null,
      payload: { stageId: r.external_id, name: r.name, targetDate: due, state: r.state },
      evidenceRefs: [{ kind: "issue" as const, id: r.external_id, url: r.data.url, snippet: `Stage ${r.name} due ${due}` }],
      dedupeKey: dedupeKey("linear", ws, "stage_overdue", r.external_id, due),
    };
  });
}
