import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { startMcpGateway, type McpGateway } from "../../server/simulators/mcp-gateway.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// CONNECTOR_MODE=mcp: the same connectors, over the real MCP client (Streamable HTTP) against a local
// MCP server whose `api_request` tool answers from the simulators.

let db: TestDb;
let fx: Fixture;
let sims: Simulators;
const gateways: Record<string, McpGateway> = {};
const END = new Date("2026-11-20T00:00:00Z");

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 11, projects: 2, days: 45, end: END, situations: ["client_silence", "aging_blockers", "scope_creep"] });
  gateways.chatwoot = await startMcpGateway({ upstream: sims.chatwoot.url });
  gateways.linear = await startMcpGateway({ upstream: sims.linear.url });
  gateways.attio = await startMcpGateway({ upstream: sims.attio.url });
  await bindProjectToSims(db.prisma, testEnv(), sims, fx.projectA.id, 0);
  await bindProjectToSims(db.prisma, testEnv(), sims, fx.projectB.id, 1);
});
afterAll(async () => {
  await Promise.all(Object.values(gateways).map((g) => g.close()));
  await sims.close();
  await db.drop();
});

const mcpEnv = () =>
  testEnv({ CONNECTOR_MODE: "mcp", CONNECTOR_CHATWOOT_MCP_URL: gateways.chatwoot!.url, CONNECTOR_LINEAR_MCP_URL: gateways.linear!.url, CONNECTOR_ATTIO_MCP_URL: gateways.attio!.url });

describe("mcp mode", () => {
  it("not configured → a controlled <connector>_mcp_not_configured error in the register, nothing written", async () => {
    const env = testEnv({ CONNECTOR_LINEAR_MODE: "mcp" });
    const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: "linear", now: END, http: fastHttp });
    expect(res.status).toBe("failed");
    if (res.status === "failed") {
      expect(res.errorKind).toBe("not_configured");
      expect(res.error).toMatch(/^linear_mcp_not_configured/);
    }
    const err = await db.prisma.connectorError.findFirstOrThrow({ where: { projectId: fx.projectB.id, connector: "linear" } });
    expect(err.errorKind).toBe("not_configured");
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectB.id } })).toBe(0);
    const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectB.id, connector: "linear" } } });
    expect(state.mode).toBe("mcp");
    expect(state.status).toBe("failed");
  });

  it("configured → every connector mirrors the same rows as http mode, through MCP tool calls", async () => {
    const env = mcpEnv();
    for (const c of CONNECTORS) {
      const before = gateways[c]!.calls.length;
      const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectA.id, connector: c, now: END, http: fastHttp });
      expect(res.status, `${c}: ${JSON.stringify(res)}`).toBe("ok");
      expect(gateways[c]!.calls.length - before, c).toBeGreaterThan(0);
    }
    const gen = sims.workspace.project(0)!;
    expect(await db.prisma.cwMessage.count({ where: { projectId: fx.projectA.id } })).toBe(gen.chatwoot.conversations.reduce((n, c) => n + c.messages.length, 0));
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectA.id } })).toBe(gen.linear.issues.length);
    expect(await db.prisma.attioDeal.count({ where: { projectId: fx.projectA.id } })).toBe(gen.attio.deals.length);
    const state = await db.prisma.connectorSyncState.findUniqueOrThrow({ where: { projectId_connector: { projectId: fx.projectA.id, connector: "linear" } } });
    expect(state.mode).toBe("mcp");

    // Same cursor semantics: switching back to http and re-syncing finds nothing new to write.
    const events = await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, category: "domain" } });
    for (const c of CONNECTORS) {
      const res = await runConnectorSync(db.prisma, testEnv(), { projectId: fx.projectA.id, connector: c, now: new Date(END.getTime() + 60_000), http: fastHttp });
      expect(res.status).toBe("ok");
      if (res.status === "ok") {
        const written = Object.entries(res.counters).filter(([k]) => /Written|Deleted/.test(k)).reduce((n, [, v]) => n + v, 0);
        expect(written, `${c}: ${JSON.stringify(res.counters)}`).toBe(0);
      }
    }
    expect(await db.prisma.eventLog.count({ where: { projectId: fx.projectA.id, category: "domain" } })).toBe(events);
  });

  it("provider faults behind the MCP server (429, dropped connection) are retried like in http mode", async () => {
    const env = mcpEnv();
    sims.linear.inject({ kind: "429", retryAfterSeconds: 0 }, 2, 1);
    sims.attio.inject({ kind: "reset" }, 1, 1);
    for (const c of ["linear", "attio"] as const) {
      const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: c, now: END, http: fastHttp });
      expect(res.status, `${c}: ${JSON.stringify(res)}`).toBe("ok");
      if (res.status === "ok") expect(res.counters.httpRetries, c).toBeGreaterThan(0);
    }
    sims.linear.clearFaults();
    sims.attio.clearFaults();
    const gen = sims.workspace.project(1)!;
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectB.id } })).toBe(gen.linear.issues.length);
    expect(await db.prisma.attioCompany.count({ where: { projectId: fx.projectB.id } })).toBe(gen.attio.companies.length);
  });

  it("an unreachable MCP server fails the sync into the error register, keeping what was there", async () => {
    const env = testEnv({ CONNECTOR_MODE: "mcp", CONNECTOR_LINEAR_MCP_URL: "http://127.0.0.1:9/mcp" });
    const before = await db.prisma.linearIssue.count({ where: { projectId: fx.projectB.id } });
    const res = await runConnectorSync(db.prisma, env, { projectId: fx.projectB.id, connector: "linear", now: new Date(END.getTime() + 120_000), http: fastHttp });
    expect(res.status).toBe("failed");
    if (res.status === "failed") expect(res.errorKind).toBe("network");
    expect(await db.prisma.linearIssue.count({ where: { projectId: fx.projectB.id } })).toBe(before);
  });
});
