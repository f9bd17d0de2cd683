import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConnectorError, createHttpClient } from "../../server/services/connectors/http-client.ts";
import { httpOptionsFor } from "../../server/services/connectors/sync.ts";
import type { BoundSource } from "../../server/services/connectors/types.ts";
import { createWorkspace } from "../../server/simulators/generator.ts";
import { LINEAR_API_KEY_LIMITS, startLinearSim } from "../../server/simulators/linear-sim.ts";

// The Linear client as the connectors build it (httpOptionsFor: observe + classify from
// linear-budget.ts) against the simulator's budgets, with a faked clock: the client's sleeps move it.

const END = new Date("2026-11-20T00:00:00Z");
let sim: Awaited<ReturnType<typeof startLinearSim>>;
const ws = createWorkspace({ seed: 3, projects: 2, days: 30, end: END, situations: [] });

beforeAll(async () => {
  sim = await startLinearSim(ws);
  sim.rate.setTime(END.getTime());
});
afterAll(async () => {
  await sim.close();
});

function client(index: number) {
  const p = ws.project(index)!;
  const source: BoundSource = { externalId: p.linear.workspaceId, baseUrl: sim.url, token: `lin_api_${p.linear.workspaceId}`, isDemo: false, limits: { ratePerSecond: 100_000 } };
  const sleeps: number[] = [];
  const http = createHttpClient(httpOptionsFor("linear", source, { baseDelayMs: 1, sleep: async (ms) => { sleeps.push(ms); sim.rate.advance(ms); } }));
  const post = (query: string) => http.request("POST", "graphql", { body: { query, variables: {} }, schema: z.object({ data: z.unknown() }).passthrough() });
  return { http, post, sleeps };
}

// teams without `first`: Linear's default page of 50 → 1 + 50 × (1 + 0.2) = 61 points.
const TEAMS = "{ teams { nodes { id name } } }";

describe("Linear client and the key's budget", () => {
  it("slows down before the limit: 60 queries on a 1,500-point hourly budget, none refused", async () => {
    sim.rate.configure({ complexityPerHour: 1_500 });
    sim.rate.resetStats();
    const c = client(0);
    for (let i = 0; i < 60; i++) await c.post(TEAMS);
    // 60 × 61 = 3,660 points: more than twice the bucket, so it had to wait for the refill.
    expect(sim.rate.stats.rateLimited).toBe(0);
    expect(c.sleeps.length).toBeGreaterThan(0);
    expect(c.http.stats.rateLimited).toBe(0);
    sim.rate.configure(LINEAR_API_KEY_LIMITS);
  });

  it("HTTP 400 RATELIMITED is a rate limit: retried after the reset header, not failed as a client error", async () => {
    sim.rate.resetStats();
    const c = client(1);
    sim.inject({ kind: "429", retryAfterSeconds: 3 });
    const res = await c.post(TEAMS);
    expect(res.status).toBe(200);
    expect(c.http.stats.rateLimited).toBe(1);
    expect(c.http.stats.retries).toBe(1);
    // The wait is the reset's distance from the answer's Date, not a blind backoff: never before the
    // reset (3 s), at most the second the Date header rounds away later.
    expect(c.sleeps[0]).toBeGreaterThanOrEqual(3_000);
    expect(c.sleeps[0]).toBeLessThan(4_000);
  });

  it("an exhausted request budget: our client waits for the refill; a key drained by others ends the request at once as budget_exhausted", async () => {
    sim.rate.configure({ requestsPerHour: 5 });
    sim.rate.resetStats();
    const c = client(1);
    for (let i = 0; i < 6; i++) await c.post(TEAMS);
    // The headers said 0 left after the fifth: the sixth waited for one request's refill (12 min an
    // hour / 5), and was not refused.
    expect(sim.rate.stats.rateLimited).toBe(0);
    expect(Math.max(...c.sleeps)).toBeGreaterThanOrEqual(12 * 60_000);

    // Another user of the key spends it; a fresh client knows nothing yet and is refused. The reset is
    // far away, so the request is not retried inside the call: the sync ends its run there instead.
    sim.rate.configure({ requestsPerHour: 5 });
    for (let i = 0; i < 5; i++) await fetch(`${sim.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `lin_api_${ws.project(1)!.linear.workspaceId}` }, body: JSON.stringify({ query: TEAMS }) });
    const fresh = client(1);
    const err = await fresh.post(TEAMS).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).kind).toBe("budget_exhausted");
    expect(fresh.http.stats.requests).toBe(1);
    expect(sim.rate.stats.rateLimited).toBe(1);
    sim.rate.configure(LINEAR_API_KEY_LIMITS);
  });

  it("any other 400 stays a client error (not retried)", async () => {
    const c = client(0);
    const err = await c.post("{ viewer { noSuchField } }").then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).kind).toBe("client_error");
    expect(c.http.stats.requests).toBe(1);
  });
});
