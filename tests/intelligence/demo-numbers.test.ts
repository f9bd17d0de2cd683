import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { buildDigest, digestPeriod } from "../../server/services/intelligence/digests.ts";
import { backfillDailyPipeline, refreshSignalsAndScores } from "../../server/services/intelligence/pipeline.ts";
import { seedDemoWorkspace } from "../../server/services/seed/demo-workspace.ts";
import { demoGeneratorOptions } from "../../server/simulators/demo.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { createInnerContext } from "../../server/trpc/context.ts";
import { createCaller } from "../../server/trpc/root.ts";
import { sessionAuth } from "../helpers/callers.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { testEnv } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// The numbers a PM quotes, on the demo workspace itself (its four projects and their planted
// situations): forecasts that tell the projects apart, one value per moment across card, chart and
// portfolio, and digests that count what the event feed shows.

const END = new Date("2026-11-30T00:00:00Z");
const NOW = new Date("2026-11-30T15:00:00Z");
const env = testEnv();
let db: TestDb;
let sims: Simulators;
const ids: Record<string, string> = {};
/** The demo owner's tRPC caller, reading at `now` (the procedures' clock). */
const owner = async (now = NOW) => createCaller(createInnerContext({ db: db.prisma, pool: db.pool, env, now: () => now, auth: sessionAuth(await db.prisma.user.findFirstOrThrow({ where: { email: "demo@controltower.dev" } })) }));

beforeAll(async () => {
  db = await createTestDb();
  await seedDemoWorkspace(db.prisma, { now: NOW });
  // The demo's generator, on ephemeral ports (a running demo holds the fixed ones).
  sims = await startSimulators({ ...demoGeneratorOptions(END), basePort: undefined });
  const slugs = ["acme-web-relaunch", "globex-mobile-app", "initech-data-migration", "umbrella-support-retainer"];
  for (const [i, slug] of slugs.entries()) {
    const p = await db.prisma.project.findFirstOrThrow({ where: { slug } });
    ids[slug.split("-")[0]!] = p.id;
    await bindProjectToSims(db.prisma, env, sims, p.id, i);
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: p.id, connector: c, now: END, http: fastHttp })).status).toBe("ok");
  }
  // Every project's history first, then today for all (similar cases need the others' signatures).
  for (const id of Object.values(ids)) await backfillDailyPipeline(db.prisma, env, id, NOW, 30);
  for (const id of Object.values(ids)) await backfillDailyPipeline(db.prisma, env, id, NOW, 1);
}, 180_000);
afterAll(async () => {
  await sims?.close();
  await db?.drop();
});

type Forecasts = Awaited<ReturnType<Awaited<ReturnType<typeof owner>>["intelligence"]["overview"]>>["forecasts"];
const p30 = (f: Forecasts, t: string) => f.find((x) => x.riskType === t)?.p30 ?? 0;

describe("the demo's numbers", () => {
  it("forecasts differ when projects differ: each planted situation leads its own risk, the calm retainer stays low, and no driver is the risk score", async () => {
    const caller = await owner();
    const all: Record<string, Forecasts> = {};
    for (const [k, id] of Object.entries(ids)) all[k] = (await caller.intelligence.overview({ projectId: id })).forecasts;
    const table = Object.entries(all).map(([k, f]) => `${k.padEnd(9)} ${["delivery_risk", "finance_risk", "client_risk", "scope_risk"].map((t) => `${t.split("_")[0]} ${Math.round(p30(f, t) * 100)}%`).join("  ")}`);
    console.info(`30-day risk forecasts of the demo projects:\n${table.join("\n")}`);
    const top = (t: string) => Object.entries(all).sort((a, b) => p30(b[1], t) - p30(a[1], t))[0]![0];
    expect(top("client_risk")).toBe("acme"); // client silence
    expect(top("delivery_risk")).toBe("globex"); // aging blockers
    expect(top("scope_risk")).toBe("globex"); // scope creep
    expect(top("finance_risk")).toBe("initech"); // budget overrun
    // The support retainer with an upsell need and nothing going wrong is not "45-49% of every risk".
    for (const t of ["delivery_risk", "finance_risk", "client_risk", "scope_risk"]) expect(p30(all.umbrella!, t), t).toBeLessThan(0.3);
    // Each project's planted risk stands well above the calm project's.
    expect(p30(all.acme!, "client_risk") - p30(all.umbrella!, "client_risk")).toBeGreaterThan(0.3);
    expect(p30(all.initech!, "finance_risk") - p30(all.umbrella!, "finance_risk")).toBeGreaterThan(0.3);
    for (const f of Object.values(all)) for (const x of f) expect((x.topDrivers as { key: string }[]).map((d) => d.key)).not.toContain("risk_score");
  });

  it("risk and health speak one scale: a project with critical signals is not 'low risk' beside a health of high concern", async () => {
    const caller = await owner();
    for (const id of Object.values(ids)) {
      const o = await caller.intelligence.overview({ projectId: id });
      const level = (t: string) => o.scores.find((s) => s.type === t)!.level;
      const order = ["low", "medium", "high", "critical"];
      // Health's level is its concern; the two may differ, but never by more than one step.
      expect(Math.abs(order.indexOf(level("risk")) - order.indexOf(level("health"))), JSON.stringify(o.scores.map((s) => [s.type, s.score, s.level]))).toBeLessThanOrEqual(1);
    }
    const globex = await caller.intelligence.overview({ projectId: ids.globex! });
    expect(globex.signals.filter((s) => s.status === "critical").length).toBeGreaterThanOrEqual(3);
    expect(globex.scores.find((s) => s.type === "risk")!.level).not.toBe("low");
  });

  it("one truth per number: 'since yesterday' is the step from yesterday's snapshot, the chart's last point is the card, the portfolio agrees", async () => {
    // A rescoring later in the day moves the current scores; the card, chart and portfolio all follow it.
    const later = new Date(NOW.getTime() + 2 * 3600_000);
    await refreshSignalsAndScores(db.prisma, env, ids.globex!, later);
    const caller = await owner(later);
    const o = await caller.intelligence.overview({ projectId: ids.globex! });
    const trend = await caller.intelligence.trend({ projectId: ids.globex!, days: 30 });
    const portfolio = (await caller.projects.portfolio()).find((p) => p.id === ids.globex)!;
    const today = trend.at(-1)!;
    const yesterday = trend.at(-2)!;
    expect(today.date).toBe(later.toISOString().slice(0, 10));
    expect(yesterday.date).toBe("2026-11-29");
    for (const t of ["health", "risk"] as const) {
      const card = o.scores.find((s) => s.type === t)!;
      expect(today[t]).toBe(card.score);
      expect(card.sinceYesterday!.date).toBe("2026-11-29");
      expect(card.sinceYesterday!.previous).toBe(yesterday[t]);
      expect(card.sinceYesterday!.delta).toBeCloseTo(card.score - yesterday[t]!, 2);
      expect(portfolio[t]!.score).toBe(card.score);
      expect(portfolio.trend.at(-1)![t]).toBe(card.score);
    }
  });

  it("a digest counts what the event feed shows for its period", async () => {
    const caller = await owner();
    for (const kind of ["daily", "weekly"] as const) {
      const digest = await buildDigest(db.prisma, env, { projectId: ids.acme!, kind, now: NOW });
      const { start, end } = digestPeriod(kind, NOW);
      const until = end.getTime() + 86_400_000;
      const fromFeed: Record<string, number> = {};
      let cursor: string | undefined;
      do {
        const page = await caller.events.list({ projectId: ids.acme!, category: "domain", since: start, cursor, limit: 200 });
        for (const e of page.items) if (new Date(e.occurredAt).getTime() < until) fromFeed[e.eventType] = (fromFeed[e.eventType] ?? 0) + 1;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const stored = await db.prisma.digest.findFirstOrThrow({ where: { projectId: ids.acme!, kind, periodStart: start } });
      expect((stored.content as { activity: Record<string, number> }).activity, kind).toEqual(fromFeed);
      const messages = (fromFeed.message_received ?? 0) + (fromFeed.message_sent ?? 0);
      if (kind === "weekly") expect(Object.values(fromFeed).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(stored.summary).toContain(`${messages} message`);
      expect(stored.summary).not.toMatch(/no snapshot/);
      expect(digest.periodStart).toBe(start.toISOString().slice(0, 10));
    }
  });
});
