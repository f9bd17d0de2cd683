import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loopsContactBody, syncLoopsContacts } from "../../server/services/connectors/loops.ts";
import { LOOPS_CONTACT_FIELDS, startLoopsSim } from "../../server/simulators/loops-sim.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { validateResponse } from "../helpers/openapi-responses.ts";
import { recordingProxy } from "../helpers/recording-proxy.ts";

// The Loops push against the published spec (server/simulators/specs/loops.openapi.yml): request bodies
// validate against the spec's request schemas with their types (a null where a string is wanted fails),
// a contact without a name is pushed, and every answer of the simulator validates against the spec's
// response schemas. The simulator enforces Loops' 10 requests/s here; the connector runs at its own pace.

const SPEC_FILE = path.resolve(import.meta.dirname, "../../server/simulators/specs/loops.openapi.yml");
type Schema = Record<string, unknown>;
const spec = parseYaml(fs.readFileSync(SPEC_FILE, "utf8")) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>>; components: { schemas: Record<string, Schema> } };

// Ajv 8 (draft 2020-12), resolved from ajv-formats as tests/helpers/openapi-responses.ts does (the
// hoisted `ajv` is eslint's v6). The helper validates responses only; requests are validated here.
type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
const requireFromFormats = createRequire(createRequire(import.meta.url).resolve("ajv-formats"));
const Ajv2020 = (requireFromFormats("ajv/dist/2020") as { default: new (o: object) => { addSchema(s: object): void; compile(s: object): Validate } }).default;
const addFormats = (requireFromFormats("ajv-formats") as { default: (a: unknown) => void }).default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// components.schemas under $defs of one document, so the operations' $refs resolve.
const rewrite = (x: unknown): unknown =>
  Array.isArray(x) ? x.map(rewrite) : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === "$ref" && typeof v === "string" ? v.replace("#/components/schemas/", "loops#/$defs/") : rewrite(v)])) : x;
ajv.addSchema({ $id: "loops", $defs: rewrite(spec.components.schemas) as object });
function requestValidator(p: string, method: string): (body: unknown) => string[] {
  const schema = spec.paths[p]![method]!.requestBody!.content["application/json"]!.schema;
  const v = ajv.compile(rewrite(schema) as object);
  return (body) => (v(body) ? [] : (v.errors ?? []).map((e) => `${method.toUpperCase()} ${p}: ${e.instancePath || "(body)"} ${e.message}`));
}
const validateCreate = requestValidator("/contacts/create", "post");
const validateUpdate = requestValidator("/contacts/update", "put");


let db: TestDb;
let fx: Fixture;
let loops: Awaited<ReturnType<typeof startLoopsSim>>;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
const KEY = "loops-push-key";

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  loops = await startLoopsSim(KEY, undefined, { ratePerSecond: 10 });
  proxy = await recordingProxy(loops.url);
  // Contacts as Chatwoot gives them: a full name, one word, none at all (only an email), and a crowd
  // big enough that the push has to keep to Loops' 10/s.
  const rows = [
    { externalId: "1", name: "Ada Lovelace", email: "ada@client.example" },
    { externalId: "2", name: "Plato", email: "plato@client.example" },
    { externalId: "3", name: null, email: "nameless@client.example" },
    { externalId: "4", name: "   ", email: "blank@client.example" },
    ...Array.from({ length: 12 }, (_, i) => ({ externalId: String(10 + i), name: `Person ${i} Van Dyke`, email: `p${i}@client.example` })),
  ];
  await db.prisma.cwContact.createMany({ data: rows.map((r) => ({ ...r, projectId: fx.projectA.id, accountId: "1" })) });
});
afterAll(async () => {
  await proxy.close();
  await loops.close();
  await db.drop();
});

describe("Loops push", () => {
  it("the request validator checks types, not only key names (negative control)", () => {
    expect(validateCreate({ email: "a@b.example", firstName: null })).not.toEqual([]);
    expect(validateCreate({ email: "a@b.example", userGroup: 3 })).not.toEqual([]);
    expect(validateCreate({ firstName: "A" })).not.toEqual([]); // email is required
    expect(validateCreate({ email: "a@b.example", firstName: "A" })).toEqual([]);
    // What the connector used to send for a contact without a name.
    expect(validateCreate({ email: "a@b.example", firstName: null, lastName: null, userGroup: "p" })).not.toEqual([]);
  });

  it("the simulator checks bodies with the spec's types: its field table is the spec's", () => {
    for (const name of ["ContactRequest", "ContactUpdateRequest"]) {
      const props = spec.components.schemas[name]!.properties as Record<string, { type: string }>;
      expect(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.type])), name).toEqual(LOOPS_CONTACT_FIELDS);
    }
  });

  it("a nameless contact is pushed with its fields left out, never null; every request validates against the spec", async () => {
    const env = testEnv({ LOOPS_BASE_URL: proxy.url, LOOPS_SECRET_KEY: KEY });
    const started = Date.now();
    const counters = await syncLoopsContacts(db.prisma, env, { projectId: fx.projectA.id, now: new Date(), http: { baseDelayMs: 1, maxDelayMs: 5 } });
    const seconds = (Date.now() - started) / 1000;
    expect(counters).toMatchObject({ contacts: 16, created: 16, updated: 0, rejected: 0 });
    // No 429: the connector's 3/s (a bucket of 6 plus a second's refill: 9 in any clock second) stays within the simulator's enforced 10/s.
    expect(proxy.log.filter((x) => x.status === 429)).toEqual([]);
    expect(seconds).toBeGreaterThan(2.5); // 16 requests at 3/s after a bucket of 6: paced, not a burst
    expect(loops.contacts.get("nameless@client.example")).toMatchObject({ email: "nameless@client.example", userGroup: expect.any(String) });
    expect(loops.contacts.get("nameless@client.example")).not.toHaveProperty("firstName");
    expect(loops.contacts.get("blank@client.example")).not.toHaveProperty("firstName");
    expect(loops.contacts.get("plato@client.example")).toMatchObject({ firstName: "Plato" });
    expect(loops.contacts.get("plato@client.example")).not.toHaveProperty("lastName");
    expect(loops.contacts.get("p3@client.example")).toMatchObject({ firstName: "Person", lastName: "3 Van Dyke" });
    const problems = proxy.log.flatMap((x) => (x.path.endsWith("/contacts/create") ? validateCreate(x.requestBody) : x.path.endsWith("/contacts/update") ? validateUpdate(x.requestBody) : []));
    expect(problems).toEqual([]);
    for (const x of proxy.log) expect(Object.values(x.requestBody as object)).not.toContain(null);
  });

  it("a re-run sends nothing; a forced re-push goes create → 409 → update, each answer as the spec says", async () => {
    const env = testEnv({ LOOPS_BASE_URL: proxy.url, LOOPS_SECRET_KEY: KEY });
    const before = proxy.log.length;
    expect(await syncLoopsContacts(db.prisma, env, { projectId: fx.projectA.id, now: new Date(), http: { baseDelayMs: 1, maxDelayMs: 5 } })).toMatchObject({ unchanged: 16, created: 0 });
    expect(proxy.log.length).toBe(before);
    await db.prisma.connectorSyncState.update({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "loops" } }, data: { cursor: {} } });
    const counters = await syncLoopsContacts(db.prisma, env, { projectId: fx.projectA.id, now: new Date(), http: { baseDelayMs: 1, maxDelayMs: 5 } });
    expect(counters).toMatchObject({ updated: 16, rejected: 0 });
    expect(proxy.log.some((x) => x.status === 409)).toBe(true);
    const problems = proxy.log.flatMap((x) => validateResponse(SPEC_FILE, x.method, x.path, x.status, x.body));
    expect(problems).toEqual([]);
  }, 30_000);

  it("the simulator refuses a null where the spec wants a string, with the spec's 400 body", async () => {
    const post = (body: unknown) => fetch(`${loops.url}/api/v1/contacts/create`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    await new Promise((r) => setTimeout(r, 1100)); // a fresh rate-limit second
    const res = await post({ email: "null-name@client.example", firstName: null });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, message: expect.stringContaining("firstName") });
    expect(validateResponse(SPEC_FILE, "POST", "/api/v1/contacts/create", 400, body)).toEqual([]);
    expect(loops.contacts.has("null-name@client.example")).toBe(false);
    // The body the connector builds for the same contact is accepted.
    const ok = await post(loopsContactBody({ email: "null-name@client.example", userGroup: "p" }));
    expect(ok.status).toBe(200);
    const update = await fetch(`${loops.url}/api/v1/contacts/update`, { method: "PUT", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ email: "null-name@client.example", lastName: null }) });
    expect(update.status).toBe(400);
    expect(validateResponse(SPEC_FILE, "PUT", "/api/v1/contacts/update", 400, await update.json())).toEqual([]);
  });

  it("one contact Loops refuses does not hold back the others", async () => {
    const p = await db.prisma.project.create({ data: { workspaceId: fx.ws.id, slug: "loops-reject", name: "Loops reject" } });
    await db.prisma.cwContact.createMany({ data: [
      { projectId: p.id, externalId: "1", accountId: "1", name: "Good One", email: "good@client.example" },
      { projectId: p.id, externalId: "2", accountId: "1", name: "Bad One", email: "bad@client.example" },
    ] });
    // The simulator does not judge addresses: a 400 for this one contact is injected on its create.
    await new Promise((r) => setTimeout(r, 1100));
    const env = testEnv({ LOOPS_BASE_URL: loops.url, LOOPS_SECRET_KEY: KEY });
    loops.onRequest((req) => {
      if ((req.body as { email?: string } | undefined)?.email === "bad@client.example") (req.body as { email: number }).email = 42;
    });
    try {
      const counters = await syncLoopsContacts(db.prisma, env, { projectId: p.id, now: new Date(), http: { baseDelayMs: 1, maxDelayMs: 5 } });
      expect(counters).toMatchObject({ contacts: 2, created: 1, rejected: 1 });
    } finally {
      loops.onRequest(null);
    }
    const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: p.id, connector: "loops" } } });
    expect(state.status).toBe("ok");
    expect(Object.keys((state.cursor as { pushed: Record<string, string> }).pushed)).toEqual(["good@client.example"]);
    expect((state.meta as { rejected: { email: string }[] }).rejected).toEqual([expect.objectContaining({ email: "bad@client.example" })]);
  });
});
