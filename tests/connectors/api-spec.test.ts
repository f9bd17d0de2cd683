import fs from "node:fs";
import path from "node:path";
import { buildSchema, getVariableValues, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { syncLoopsContacts } from "../../server/services/connectors/loops.ts";
import { startSimulators, SIM_LOOPS_KEY, type Simulators } from "../../server/simulators/index.ts";
import type { LoggedRequest } from "../../server/simulators/sim-server.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// Every request our clients send is checked against the providers' published specs in
// ../shared/api-specs (not against our own simulators).
// The published specs, vendored so a clean clone can test against them; the checkout they came from
// (../shared/api-specs) is compared when present.
const SPECS = path.resolve(import.meta.dirname, "../../server/simulators/specs");
const UPSTREAM_SPECS = path.resolve(import.meta.dirname, "../../../shared/api-specs");

type OpenApi = { paths: Record<string, Record<string, { parameters?: { name?: string; in?: string; $ref?: string }[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown>; $ref?: string } }> } }>>; components?: { parameters?: Record<string, { name: string; in: string }>; schemas?: Record<string, { properties?: Record<string, unknown> }> } };

function loadSpec(file: string): OpenApi {
  const text = fs.readFileSync(path.join(SPECS, file), "utf8");
  return (file.endsWith(".json") ? JSON.parse(text) : parseYaml(text)) as OpenApi;
}

/** Method + path + query params + body keys of a request against an OpenAPI document. */
function checkAgainstOpenApi(spec: OpenApi, req: LoggedRequest, opts: { pathPrefix?: string; allowedExtraQuery?: string[] } = {}): string[] {
  const p = opts.pathPrefix && req.path.startsWith(opts.pathPrefix) ? req.path.slice(opts.pathPrefix.length) : req.path;
  const match = Object.keys(spec.paths).find((tpl) => new RegExp(`^${tpl.replace(/\/$/, "").replace(/\{[^}]+\}/g, "[^/]+")}/?$`).test(p));
  if (!match) return [`${req.method} ${req.path}: no such path in the spec`];
  const item = spec.paths[match]!;
  const op = item[req.method.toLowerCase()];
  if (!op) return [`${req.method} ${match}: method not in the spec`];
  const resolveParam = (x: { name?: string; in?: string; $ref?: string }) => (x.$ref ? spec.components?.parameters?.[x.$ref.split("/").pop()!] : x);
  const params = [...(op.parameters ?? []), ...((item as { parameters?: never[] }).parameters ?? [])].map(resolveParam).filter((x): x is { name: string; in: string } => !!x?.name);
  const queryNames = new Set(params.filter((x) => x.in === "query").map((x) => x.name));
  const problems: string[] = [];
  for (const q of Object.keys(req.query)) if (!queryNames.has(q) && !(opts.allowedExtraQuery ?? []).includes(q)) problems.push(`${req.method} ${match}: query parameter "${q}" not in the spec`);
  if (req.body && typeof req.body === "object") {
    let schema = op.requestBody?.content?.["application/json"]?.schema;
    if (schema?.$ref) schema = spec.components?.schemas?.[schema.$ref.split("/").pop()!];
    const allowed = new Set(Object.keys(schema?.properties ?? {}));
    for (const k of Object.keys(req.body as object)) if (!allowed.has(k)) problems.push(`${req.method} ${match}: body field "${k}" not in the spec`);
  }
  return problems;
}

let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let linearSchema: GraphQLSchema;

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 11, projects: 1, days: 30, end: new Date("2026-11-20T00:00:00Z"), situations: ["client_silence", "aging_blockers"] });
  const env = testEnv({ LOOPS_BASE_URL: sims.loops.url, LOOPS_SECRET_KEY: SIM_LOOPS_KEY });
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
  for (const c of ["chatwoot", "linear", "attio"] as const) {
    const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: c, now: new Date("2026-11-20T00:00:00Z"), http: fastHttp });
    expect(res.status, JSON.stringify(res)).toBe("ok");
  }
  // Two days later: an incremental Linear sync that also runs the daily scan of all issue ids.
  const later = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: "linear", now: new Date("2026-11-22T00:00:00Z"), http: fastHttp });
  expect(later.status, JSON.stringify(later)).toBe("ok");
  await syncLoopsContacts(db.prisma, env, { projectId: fx.projectA.id, now: new Date(), http: fastHttp });
  // Second Loops run after a contact exists: create → 409 → update.
  await db.prisma.connectorSyncState.update({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "loops" } }, data: { cursor: {} } });
  await syncLoopsContacts(db.prisma, env, { projectId: fx.projectA.id, now: new Date(), http: fastHttp });
  linearSchema = buildSchema(fs.readFileSync(path.join(SPECS, "linear.schema.graphql"), "utf8"), { assumeValidSDL: true });
});
afterAll(async () => {
  await sims.close();
  await db.drop();
});

describe("requests match the published API specs", () => {
  it.runIf(fs.existsSync(UPSTREAM_SPECS))("the vendored specs are the published ones", () => {
    for (const f of fs.readdirSync(UPSTREAM_SPECS)) expect(fs.readFileSync(path.join(SPECS, f), "utf8"), f).toBe(fs.readFileSync(path.join(UPSTREAM_SPECS, f), "utf8"));
  });

  it("Linear: every document validates against linear.schema.graphql, with valid variables and the key without Bearer", () => {
    const operations = new Set<string>();
    for (const req of sims.linear.requests) {
      expect(req.method).toBe("POST");
      expect(req.path).toBe("/graphql");
      expect(String(req.headers.authorization)).not.toMatch(/^Bearer /);
      const { query, variables } = req.body as { query: string; variables: Record<string, unknown> };
      const doc = parse(query);
      expect(validate(linearSchema, doc).map((e) => e.message)).toEqual([]);
      const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === "OperationDefinition")!;
      operations.add(op.name?.value ?? "");
      const coerced = getVariableValues(linearSchema, op.variableDefinitions ?? [], variables ?? {});
      expect(coerced.errors?.map((e) => e.message) ?? []).toEqual([]);
    }
    expect([...operations].sort()).toEqual(["IssueIds", "SyncIssues", "SyncStructure"]);
  });

  it("Chatwoot: paths, methods and query parameters (known spec gap: the messages list's before/after, which Chatwoot's MessageFinder reads but the spec does not list)", () => {
    const spec = loadSpec("chatwoot-application.openapi.json");
    expect(sims.chatwoot.requests.length).toBeGreaterThan(3);
    const problems = sims.chatwoot.requests.flatMap((r) => {
      expect(r.headers.api_access_token).toBeTruthy();
      return checkAgainstOpenApi(spec, r, { allowedExtraQuery: r.path.endsWith("/messages") ? ["before", "after"] : [] });
    });
    expect(problems).toEqual([]);
    // We ask for every conversation, not the API's default of open ones only.
    expect(sims.chatwoot.requests.filter((r) => r.path.endsWith("/conversations")).every((r) => r.query.status === "all")).toBe(true);
  });

  it("Attio: record queries and notes with their documented parameters and body", () => {
    const spec = loadSpec("attio.openapi.json");
    const problems = sims.attio.requests.flatMap((r) => {
      expect(String(r.headers.authorization)).toMatch(/^Bearer /);
      return checkAgainstOpenApi(spec, r);
    });
    expect(problems).toEqual([]);
    expect(sims.attio.requests.some((r) => r.path === "/v2/objects/deals/records/query")).toBe(true);
  });

  it("Loops: contacts create / update as documented", () => {
    const spec = loadSpec("loops.openapi.yml");
    const problems = sims.loops.requests.flatMap((r) => checkAgainstOpenApi(spec, r, { pathPrefix: "/api/v1" }));
    expect(problems).toEqual([]);
    expect(sims.loops.requests.some((r) => r.path === "/api/v1/contacts/update")).toBe(true);
  });

  it("the checker itself rejects what the specs do not allow", () => {
    const spec = loadSpec("chatwoot-application.openapi.json");
    const bad: LoggedRequest = { method: "GET", path: "/api/v1/accounts/1/conversations", query: { bogus: "1" }, headers: {}, body: undefined };
    expect(checkAgainstOpenApi(spec, bad)).toEqual([expect.stringContaining('"bogus"')]);
    expect(checkAgainstOpenApi(spec, { ...bad, path: "/api/v1/nope", query: {} })).toHaveLength(1);
    expect(validate(linearSchema, parse("{ issues { nodes { notAField } } }")).length).toBeGreaterThan(0);
  });
});
