import { getVariableValues, Kind, parse, validate, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import * as connector from "./linear.ts";
import * as outbound from "./linear-outbound.ts";
import { LINEAR_MAX_COMPLEXITY, linearComplexity, linearSdlSchema } from "./linear-complexity.ts";

// Linear's published rule: property 0.1, object 1, a connection multiplies its children by `first`
// (default 50), the total rounded up; over 10,000 a query is refused. Our own ceiling is 8,000.
const CEILING = 8_000;

describe("linearComplexity follows Linear's published rule", () => {
  it("counts properties, objects and connections", () => {
    // viewer is an object (1) with two properties (0.2): 1.2, rounded up to 2.
    expect(linearComplexity("{ viewer { id name } }")).toBe(2);
    // teams(first: 10): 1 + 10 × (nodes: 1 + 0.1) = 12.
    expect(linearComplexity("{ teams(first: 10) { nodes { id } } }")).toBe(12);
    // Without first, Linear's default page of 50: 1 + 50 × 1.1 = 56.
    expect(linearComplexity("{ teams { nodes { id } } }")).toBe(56);
    // Nested connections multiply: 1 + 10 × (1 + (1 + 5 × (1 + 0.1))) = 1 + 10 × 7.5 = 76.
    expect(linearComplexity("{ teams(first: 10) { nodes { members(first: 5) { nodes { id } } } } }")).toBe(76);
    // Variables count as sent.
    expect(linearComplexity("query Q($n: Int!) { teams(first: $n) { nodes { id } } }", { n: 100 })).toBe(111);
  });

  it("puts the old SyncIssues (issues 100, labels 25, relations 50) where the product owner measured it, over Linear's cap", () => {
    const old = `query SyncIssues($first: Int!, $after: String, $since: DateTimeOrDuration) {
      issues(first: $first, after: $after, orderBy: updatedAt, includeArchived: true, filter: { updatedAt: { gte: $since } }) {
        nodes { id identifier number title description priority estimate url dueDate createdAt updatedAt completedAt archivedAt
          state { id name type } cycle { id } project { id } assignee { name }
          labels(first: 25) { nodes { name } }
          inverseRelations(first: 50) { nodes { type issue { id completedAt state { type } } } } }
        pageInfo { hasNextPage endCursor } } }`;
    const at100 = linearComplexity(old, { first: 100 });
    const at50 = linearComplexity(old, { first: 50 });
    expect(Math.abs(at100 - 20_700)).toBeLessThan(150);
    expect(Math.abs(at50 - 10_400)).toBeLessThan(100);
    expect(at50).toBeGreaterThan(LINEAR_MAX_COMPLEXITY);
  });

  it("refuses fields the schema does not have", () => {
    expect(() => linearComplexity("{ viewer { noSuchField } }")).toThrow(/not in the schema/);
  });
});

/** Every exported GraphQL document of a module: strings that parse to an operation. */
function documentsOf(mod: Record<string, unknown>) {
  const out: { exportName: string; query: string; op: OperationDefinitionNode }[] = [];
  for (const [exportName, v] of Object.entries(mod)) {
    if (typeof v !== "string" || !/\b(query|mutation)\b/.test(v)) continue;
    const op = parse(v).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (op) out.push({ exportName, query: v, op });
  }
  return out;
}

describe("every document the Linear connector and linear-outbound send", () => {
  const docs = [
    ...documentsOf(connector).map((d) => ({ ...d, vars: connector.LINEAR_QUERY_VARIABLES })),
    ...documentsOf(outbound).map((d) => ({ ...d, vars: outbound.LINEAR_OUTBOUND_VARIABLES })),
  ];

  it("are all found (the sync's issue, nested, structure and id queries; teams, task create and lookup)", () => {
    expect(docs.map((d) => d.op.name?.value).sort()).toEqual(["CreateTask", "IssueIds", "IssueLabelsPage", "IssueRelationsPage", "SyncIssues", "SyncStructure", "TaskById", "Teams"]);
  });

  it.each(docs.map((d) => [d.op.name?.value ?? d.exportName, d] as const))("%s is valid against Linear's SDL and stays under 8,000 points with the variables we send", (_name, d) => {
    const schema = linearSdlSchema();
    expect(validate(schema, parse(d.query)).map((e) => e.message)).toEqual([]);
    const vars = d.vars[d.op.name!.value];
    expect(vars, `no variables declared for ${d.op.name!.value}`).toBeDefined();
    expect(getVariableValues(schema, d.op.variableDefinitions ?? [], vars!).errors ?? []).toEqual([]);
    const points = linearComplexity(d.query, vars);
    expect(points).toBeLessThanOrEqual(CEILING);
    expect(points).toBeGreaterThan(0);
  });

  it("the issue page's figure, for the report", () => {
    // Logged, and bounded: the page size was chosen from it.
    const points = linearComplexity(connector.ISSUES_QUERY, connector.LINEAR_QUERY_VARIABLES.SyncIssues);
    console.log(`SyncIssues with first ${connector.LINEAR_PAGE.issues}: ${points} points`);
    expect(points).toBeLessThanOrEqual(CEILING);
  });
});
