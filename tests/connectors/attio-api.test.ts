import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTIO_SORTS } from "../../server/services/connectors/attio.ts";
import { parseRetryAfter } from "../../server/services/connectors/http-client.ts";
import { bindSource } from "../../server/services/connectors/sources.ts";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { ATTIO_LIMITS, startAttioSim } from "../../server/simulators/attio-sim.ts";
import type { AttioRecord } from "../../server/simulators/generator.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { validateResponse } from "../helpers/openapi-responses.ts";
import { fastHttp } from "../helpers/sims.ts";
import { recordingProxy, type Exchange } from "../helpers/recording-proxy.ts";

// Attio against its published spec (server/simulators/specs/attio.openapi.json) and documented limits:
// every answer the simulator gives during a full and an incremental sync validates against the spec's
// response schemas (record values against the schema the spec publishes for attribute values); every
// query sorts; offset pages without sorts are unreliable (the simulator proves it can catch a client
// that forgets); a request budget splits a sync over runs with nothing lost or repeated; 429s are
// Attio's, and a Retry-After date in the current second still waits the floor.

const SPEC = "attio.openapi.json";
const END = new Date("2026-11-20T00:00:00Z");
const env = testEnv();
let db: TestDb;
let fx: Fixture;
let sims: Simulators;


/** A project bound to generated project `index`, reaching Attio at `baseUrl` (a proxy or another simulator). */
async function project(slug: string, index: number, baseUrl: string) {
  const p = await db.prisma.project.create({ data: { workspaceId: fx.ws.id, slug, name: slug } });
  const b = sims.bindings(index).attio;
  await bindSource(db.prisma, env, { projectId: p.id, connector: "attio", ...b, baseUrl, isDemo: false, limits: { ratePerSecond: 1000 } });
  return { projectId: p.id, gen: sims.workspace.project(index)!.attio };
}

/** Problems of one answer: its body against the operation's response schema; each record's values against the spec's value schema. */
function problemsOf(x: Exchange): string[] {
  const problems = validateResponse(SPEC, x.method, x.path, x.status, x.body);
  if (x.status === 200 && /\/records(\/query|\/[^/]+)$/.test(x.path)) {
    const object = x.path.split("/")[3]!;
    const data = (x.body as { data: AttioRecord | AttioRecord[] }).data;
    for (const r of Array.isArray(data) ? data : [data]) {
      for (const [attr, values] of Object.entries(r.values)) {
        // The spec types `values` loosely here; GET …/attributes/{attribute}/values publishes each value's schema.
        problems.push(...validateResponse(SPEC, "GET", `/v2/objects/${object}/records/${r.id.record_id}/attributes/${attr}/values`, 200, { data: values }).map((p) => `${x.path} ${attr}: ${p}`));
      }
    }
  }
  return problems;
}

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 23, projects: 7, days: 30, end: END, situations: ["budget_overrun", "upsell_need", "client_silence"], extraAttioCompanies: 1_100 });
});
afterAll(async () => {
  await sims.close();
  await db.drop();
});

describe("Attio answers as its published spec says", () => {
  it("every answer of a full and an incremental sync validates (bodies, record values, 404s)", async () => {
    const proxy = await recordingProxy(sims.attio.url);
    try {
      const { projectId, gen } = await project("attio-spec", 0, proxy.url);
      expect((await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: END, http: fastHttp })).status).toBe("ok");
      // Upstream between the runs: a deal and a note are deleted (direct reads answer 404), and a company
      // on the first page disappears while the second is requested (the one shifted out is read directly).
      const goneDeal = gen.deals.pop()!;
      const goneNote = gen.notes.pop()!;
      let shifted = false;
      sims.attio.onRequest((req) => {
        if (!shifted && req.path.endsWith("/companies/records/query") && (req.body as { filter?: unknown }).filter) {
          shifted = true;
          gen.companies.splice(5, 1);
        }
      });
      const later = await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: new Date(END.getTime() + 3600_000), http: fastHttp });
      sims.attio.onRequest(null);
      expect(later.status).toBe("ok");
      expect(shifted).toBe(true);
      expect((await db.prisma.attioDeal.findFirstOrThrow({ where: { projectId, externalId: goneDeal.id.record_id } })).deletedAt).not.toBeNull();
      expect((await db.prisma.attioActivity.findFirstOrThrow({ where: { projectId, externalId: goneNote.id.note_id } })).deletedAt).not.toBeNull();

      const kinds = new Set(proxy.log.map((x) => `${x.method} ${x.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, "{id}")} ${x.status}`));
      for (const k of ["POST /v2/objects/companies/records/query 200", "POST /v2/objects/people/records/query 200", "POST /v2/objects/deals/records/query 200", "GET /v2/notes 200", "GET /v2/objects/deals/records/{id} 404", "GET /v2/notes/{id} 404"]) expect(kinds, k).toContain(k);
      expect(proxy.log.length).toBeGreaterThan(15);
      expect(proxy.log.flatMap(problemsOf)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("the validation catches what the spec forbids (negative control)", () => {
    const r = sims.workspace.project(0)!.attio.deals[0]!;
    const good = { data: [{ id: r.id, created_at: r.created_at, values: r.values }] };
    expect(problemsOf({ method: "POST", path: "/v2/objects/deals/records/query", requestBody: {}, status: 200, headers: {}, body: good })).toEqual([]);
    // What the simulator used to serve: slugs for ids, a status value without its id.
    const oldIds = { data: [{ ...good.data[0], id: { ...r.id, workspace_id: "attio-p0", object_id: "deals" } }] };
    expect(problemsOf({ method: "POST", path: "/v2/objects/deals/records/query", requestBody: {}, status: 200, headers: {}, body: oldIds }).length).toBeGreaterThan(0);
    const oldStatus = { data: [{ ...good.data[0], values: { ...r.values, stage: [{ ...r.values.stage![0]!, status: { title: "Won 🎉", is_archived: false } }] } }] };
    expect(problemsOf({ method: "POST", path: "/v2/objects/deals/records/query", requestBody: {}, status: 200, headers: {}, body: oldStatus }).length).toBeGreaterThan(0);
  });
});

describe("order: sorts on every query", () => {
  const query = async (token: string, body: object) => {
    const res = await fetch(`${sims.attio.url}/v2/objects/companies/records/query`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: AttioRecord[] }).data.map((r) => r.id.record_id);
  };
  const pages = async (token: string, extra: object) => [...(await query(token, { ...extra, limit: 400, offset: 0 })), ...(await query(token, { ...extra, limit: 400, offset: 400 })), ...(await query(token, { ...extra, limit: 400, offset: 800 }))];

  it("offset pages without sorts repeat and miss records; with the connector's sorts they partition the object", async () => {
    const token = sims.bindings(1).attio.token;
    const all = sims.workspace.project(1)!.attio.companies.map((r) => r.id.record_id);
    expect(all.length).toBeGreaterThan(1_100);
    const unsorted = await pages(token, {});
    expect(new Set(unsorted).size).toBeLessThan(all.length); // duplicates across pages, so some are missing
    const sorted = await pages(token, { sorts: ATTIO_SORTS });
    expect(sorted.length).toBe(all.length);
    expect(new Set(sorted)).toEqual(new Set(all));
  });

  it("every query the connector sends sorts by created_at then record_id; paging ends on an empty page", async () => {
    const proxy = await recordingProxy(sims.attio.url);
    try {
      const { projectId, gen } = await project("attio-sorts", 2, proxy.url);
      expect((await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: END, http: fastHttp })).status).toBe("ok");
      const queries = proxy.log.filter((x) => x.path.endsWith("/records/query"));
      expect(queries.length).toBeGreaterThan(4);
      for (const q of queries) expect((q.requestBody as { sorts: unknown }).sorts).toEqual(ATTIO_SORTS);
      for (const object of ["companies", "people", "deals"]) {
        const last = queries.filter((q) => q.path.includes(`/${object}/`)).at(-1)!;
        expect((last.body as { data: unknown[] }).data).toEqual([]);
      }
      expect(await db.prisma.attioCompany.count({ where: { projectId, deletedAt: null } })).toBe(gen.companies.length);
    } finally {
      await proxy.close();
    }
  });
});

describe("request budget", () => {
  it("a budget of 3 requests splits the sync over runs: each resumes where the last stopped; nothing lost, nothing fetched twice", async () => {
    const { projectId, gen } = await project("attio-budget", 3, sims.attio.url);
    const upstream = () => ({ companies: gen.companies.length, people: gen.people.length, deals: gen.deals.length });
    const expected = upstream();
    const fetched = { companies: 0, people: 0, deals: 0 };
    const statuses: string[] = [];
    let runs = 0;
    for (let t = 0; runs < 40; t++) {
      runs++;
      const res = await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: new Date(END.getTime() + t * 60_000), http: { ...fastHttp, requestBudget: 3 } });
      expect(res.status, JSON.stringify(res)).toBe("ok");
      if (res.status !== "ok") break;
      expect(res.counters.httpRequests).toBeLessThanOrEqual(3);
      fetched.companies += res.counters.companiesFetched!;
      fetched.people += res.counters.peopleFetched!;
      fetched.deals += res.counters.dealsFetched!;
      const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId, connector: "attio" } } });
      statuses.push(state.status);
      if (!res.resumeAt) break;
      expect((state.cursor as { pass?: unknown }).pass).toBeDefined();
    }
    expect(runs).toBeGreaterThan(3);
    expect(statuses.slice(0, -1).every((s) => s === "partial")).toBe(true);
    expect(statuses.at(-1)).toBe("ok");
    // Each record was fetched exactly once over all the runs, and all are mirrored, once.
    expect(fetched).toEqual(expected);
    expect(await db.prisma.attioCompany.count({ where: { projectId, deletedAt: null } })).toBe(expected.companies);
    expect(await db.prisma.attioDeal.count({ where: { projectId, deletedAt: null } })).toBe(expected.deals);
    expect(await db.prisma.attioActivity.count({ where: { projectId, deletedAt: null } })).toBe(gen.notes.length);
    expect(await db.prisma.eventLog.count({ where: { projectId, eventType: "deal_won" } })).toBe(gen.deals.filter((d) => /won/i.test(String((d.values.stage?.[0]?.status as { title?: string } | undefined)?.title))).length);
  });

  it("upstream changes between budgeted runs (a company deleted behind the cursor, one created ahead) end mirrored exactly", async () => {
    const { projectId, gen } = await project("attio-budget-churn", 4, sims.attio.url);
    let runs = 0;
    let churned = false;
    for (let t = 0; runs < 40; t++) {
      runs++;
      const res = await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: new Date(END.getTime() + t * 60_000), http: { ...fastHttp, requestBudget: 3 } });
      expect(res.status, JSON.stringify(res)).toBe("ok");
      if (res.status !== "ok") break;
      if (!churned && (await db.prisma.attioCompany.count({ where: { projectId } })) > 0) {
        churned = true;
        const seen = await db.prisma.attioCompany.findFirstOrThrow({ where: { projectId }, orderBy: { externalId: "asc" } });
        gen.companies.splice(gen.companies.findIndex((c) => c.id.record_id === seen.externalId), 1);
        const t1 = new Date(END.getTime() + 1000).toISOString();
        gen.companies.push({ id: { ...gen.companies[0]!.id, record_id: "00000000-0000-4000-8000-00000000c0de" }, created_at: t1, values: { name: [{ active_from: t1, active_until: null, created_by_actor: { type: "system", id: null }, attribute_type: "text", value: "Created meanwhile" }] } });
      }
      if (!res.resumeAt) break;
    }
    expect(churned).toBe(true);
    expect(runs).toBeGreaterThan(3);
    // A pass that ends after a deletion behind its cursor may need one more pass to notice it: run it.
    expect((await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: new Date(END.getTime() + 3600_000), http: fastHttp })).status).toBe("ok");
    const live = await db.prisma.attioCompany.findMany({ where: { projectId, deletedAt: null }, select: { externalId: true } });
    expect(new Set(live.map((r) => r.externalId))).toEqual(new Set(gen.companies.map((c) => c.id.record_id)));
    expect(live.length).toBe(gen.companies.length);
  });
});

describe("rate limits", () => {
  it("the simulator enforces 100 reads per second with Attio's 429 body and a Retry-After date", async () => {
    const token = sims.bindings(5).attio.token;
    // Start just after a clock second begins, so the burst lands within one second.
    while (Date.now() % 1000 > 100) await new Promise((r) => setTimeout(r, 5));
    const answers = await Promise.all(Array.from({ length: ATTIO_LIMITS.readsPerSecond + 30 }, () => fetch(`${sims.attio.url}/v2/notes?limit=1`, { headers: { authorization: `Bearer ${token}` } })));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(30);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(ATTIO_LIMITS.readsPerSecond);
    const body = await limited[0]!.json();
    // The documented shape (docs.attio.com/rest-api/guides/rate-limiting; the spec lists no 429).
    expect(body).toEqual({ status_code: 429, type: "rate_limit_error", code: "rate_limit_exceeded", message: expect.any(String) });
    const retryAt = Date.parse(limited[0]!.headers.get("retry-after")!);
    expect(retryAt % 1000).toBe(0);
    expect(retryAt - Date.now()).toBeLessThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 1000)); // the next test uses this token: a fresh second
  });

  it("a Retry-After date in the current second still waits the floor (1 s), and the sync completes", async () => {
    // Attio's Retry-After has whole seconds: the date of the second now running is already past.
    sims.attio.inject({ kind: "429", retryAfterSeconds: 0 }, 1);
    const direct = await fetch(`${sims.attio.url}/v2/notes`, { headers: { authorization: `Bearer ${sims.bindings(5).attio.token}` } });
    expect(direct.status).toBe(429);
    const header = direct.headers.get("retry-after")!;
    expect(Date.parse(header)).toBeLessThanOrEqual(Date.now());
    expect(parseRetryAfter(header)).toBe(1000);

    const { projectId, gen } = await project("attio-retry", 5, sims.attio.url);
    const waits: number[] = [];
    sims.attio.inject({ kind: "429", retryAfterSeconds: 0 }, 2, 1);
    const res = await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: END, http: { ...fastHttp, maxDelayMs: 30_000, sleep: async (ms: number) => void waits.push(ms) } });
    expect(res.status).toBe("ok");
    expect(res.status === "ok" && res.counters.rateLimited).toBe(2);
    expect(waits.filter((w) => w >= 1000).length).toBe(2);
    expect(waits.every((w) => w <= 1000)).toBe(true);
    expect(await db.prisma.attioCompany.count({ where: { projectId, deletedAt: null } })).toBe(gen.companies.length);
  });

  it("a client faster than the limit is slowed by real 429s and still mirrors everything", async () => {
    // A simulator of the same workspace with tight limits: the unpaced client runs into them at once.
    // 2 reads a second: a run under a second spans at most two windows, so its fifth read is refused whatever the alignment.
    const tight = await startAttioSim(sims.workspace, undefined, { limits: { readsPerSecond: 2, writesPerSecond: 1 } });
    try {
      const { projectId, gen } = await project("attio-tight", 6, tight.url);
      const started = Date.now();
      const res = await runConnectorSync(db.prisma, env, { projectId, connector: "attio", now: END, http: { baseDelayMs: 1, maxDelayMs: 2_000, ratePerSecond: 1000 } });
      expect(res.status, JSON.stringify(res)).toBe("ok");
      expect(res.status === "ok" && res.counters.rateLimited).toBeGreaterThan(0);
      expect(Date.now() - started).toBeGreaterThan(1000);
      expect(await db.prisma.attioCompany.count({ where: { projectId, deletedAt: null } })).toBe(gen.companies.length);
    } finally {
      await tight.close();
    }
  }, 60_000);
});
