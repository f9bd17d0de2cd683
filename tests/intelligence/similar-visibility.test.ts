import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { backfillDailyPipeline } from "../../server/services/intelligence/pipeline.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { callerAs, sessionAuth, tokenAuth } from "../helpers/callers.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { PASSWORD, seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { startServer } from "../helpers/server.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// Similar cases come from the whole workspace; another project's name, client text and links belong
// to its members. `pm` is a member of Alpha only; `owner` of Alpha and Beta. Beta is made to look like
// Alpha (both clients go silent), so Beta is Alpha's nearest case and its outcomes cite client text.

const END = new Date("2026-11-20T00:00:00Z");
const NOW = new Date("2026-11-20T12:00:00Z");
const env = testEnv();
let db: TestDb;
let fx: Fixture;
let sims: Simulators;
let server: Awaited<ReturnType<typeof startServer>>;
/** What must never reach a non-member of Beta: its name, id and every text and link its outcomes cite. */
let secrets: string[];

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 11, projects: 2, days: 40, end: END, profiles: [
    { clientName: "Wonka", name: "Alpha", situations: ["client_silence"] },
    { clientName: "Zorg", name: "Beta", situations: ["client_silence"] },
  ] });
  // Every Beta message says something only Beta's client and team said (the generator writes the same
  // sentences in every project), so a leak of Beta's text is visible as such.
  let n = 0;
  for (const c of sims.workspace.project(1)!.chatwoot.conversations) for (const m of c.messages) m.content = `${m.content} (Zorg thread note ${++n})`;
  await bindProjectToSims(db.prisma, env, sims, fx.projectA.id, 0);
  await bindProjectToSims(db.prisma, env, sims, fx.projectB.id, 1);
  for (const p of [fx.projectB.id, fx.projectA.id]) {
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: p, connector: c, now: END, http: fastHttp })).status).toBe("ok");
    await backfillDailyPipeline(db.prisma, env, p, NOW, 12);
  }
  const outcomes = await db.prisma.pastCaseOutcome.findMany({ where: { projectId: fx.projectB.id } });
  const refs = outcomes.flatMap((o) => o.evidenceRefs as { id: string; url?: string; snippet?: string }[]);
  // The generator writes the same planted sentences in every project: a snippet Alpha has too is not Beta's secret.
  const alphaTexts = [
    ...(await db.prisma.cwMessage.findMany({ where: { projectId: fx.projectA.id }, select: { content: true } })).map((m) => m.content ?? ""),
    JSON.stringify(await db.prisma.kagSignal.findMany({ where: { projectId: fx.projectA.id } })),
    JSON.stringify(await db.prisma.pastCaseOutcome.findMany({ where: { projectId: fx.projectA.id }, select: { notes: true, evidenceRefs: true } })),
  ];
  secrets = [fx.projectB.name, fx.projectB.id, ...refs.flatMap((r) => [r.url, r.snippet].filter((x): x is string => !!x && x.length > 12 && !alphaTexts.some((t) => t.includes(x))))];
  expect(secrets.some((x) => x.startsWith("http"))).toBe(true);
  expect(secrets.some((x) => x.includes("Zorg thread note"))).toBe(true);
  // The fixture really has something to hide: Beta's outcomes cite client-facing text.
  expect(refs.some((r) => r.snippet)).toBe(true);
  const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
  server = await startServer(db, env, build);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await sims?.close();
  await db?.drop();
});

const leaks = (value: unknown) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return secrets.filter((s) => text.includes(s));
};

describe("similar cases respect membership", () => {
  it("tRPC: a member of both projects sees Beta by name; a member of Alpha only sees an anonymous case with facts and no text", async () => {
    const asOwner = await callerAs(db, env, sessionAuth(fx.owner)).intelligence.similar({ projectId: fx.projectA.id, windowDays: 14, topK: 5 });
    const beta = asOwner.cases.find((c) => c.caseProjectId === fx.projectB.id);
    expect(beta).toMatchObject({ visible: true, caseProjectName: "Beta" });
    expect(beta!.outcomesSeen.length).toBeGreaterThan(0);

    const asPm = await callerAs(db, env, sessionAuth(fx.pm)).intelligence.similar({ projectId: fx.projectA.id, windowDays: 14, topK: 5 });
    expect(asPm.cases).toHaveLength(asOwner.cases.length);
    const anon = asPm.cases.find((c) => !c.visible)!;
    expect(anon).toMatchObject({ caseProjectId: null, caseProjectName: null, similarityScore: beta!.similarityScore });
    // The facts stay: window, similarity and what happened (type, severity, date).
    expect(anon.outcomesSeen.map((o) => [o.outcomeType, o.severity])).toEqual(beta!.outcomesSeen.map((o) => [o.outcomeType, o.severity]));
    expect(anon.outcomesSeen.every((o) => o.notes === "" && o.evidenceRefs.length === 0)).toBe(true);
    expect(leaks(asPm)).toEqual([]);

    // An owner's API token restricted to Alpha sees Alpha's world only, like the PM.
    const asToken = await callerAs(db, env, tokenAuth(fx.owner, { projectId: fx.projectA.id })).intelligence.similar({ projectId: fx.projectA.id, windowDays: 14, topK: 5 });
    expect(leaks(asToken)).toEqual([]);
  });

  it("forecast drivers that cite similar cases, and recommendations, never name or quote Beta to a non-member", async () => {
    const ownerView = await callerAs(db, env, sessionAuth(fx.owner)).intelligence.overview({ projectId: fx.projectA.id });
    expect(ownerView.forecasts.flatMap((f) => f.similarCases).some((c) => c.projectName === "Beta")).toBe(true);
    const pmView = await callerAs(db, env, sessionAuth(fx.pm)).intelligence.overview({ projectId: fx.projectA.id });
    const cited = pmView.forecasts.flatMap((f) => f.similarCases);
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.every((c) => c.projectName === null && c.projectId === null && !c.visible)).toBe(true);
    expect(leaks(pmView)).toEqual([]);
    // Stored recommendations are shown to every member of Alpha: they hold no trace of Beta at all.
    const recs = await db.prisma.recommendationV2.findMany({ where: { projectId: fx.projectA.id } });
    expect(recs.length).toBeGreaterThan(0);
    expect(leaks(recs)).toEqual([]);
    const forecasts = await callerAs(db, env, sessionAuth(fx.pm)).intelligence.recommendations({ projectId: fx.projectA.id, includeHidden: true, includeInactive: true });
    expect(leaks(forecasts)).toEqual([]);
  });

  it("the data migration scrubs win-back rows written before: no other project's name, text or links remain", async () => {
    const betaMessage = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: fx.projectB.id } });
    const alphaMessages = await db.prisma.cwMessage.findMany({ where: { projectId: fx.projectA.id }, take: 2 });
    const old = await db.prisma.recommendationV2.create({ data: {
      projectId: fx.projectA.id, category: "winback", dedupeKey: "old-winback", priority: 5, dueDate: END, ownerRole: "account_manager",
      title: "Act before Wonka drifts away, as similar clients did", rationale: "Similar projects (Beta) ended in client risk from a comparable situation.",
      whyNow: "Client risk within 14 days: 70%.", expectedImpact: "A senior check-in now.", template: "upsell_offer_pitch", gateStatus: "visible", gateReason: "visible",
      llmText: { title: "t", rationale: "Beta went the same way", whyNow: "w", expectedImpact: "e", model: "m", sourceHash: "x" }, textSource: "llm",
      evidenceRefs: [...alphaMessages.map((m) => ({ kind: "message", id: m.externalId, snippet: m.content })), { kind: "message", id: betaMessage.externalId, snippet: betaMessage.content, url: "http://beta.example/x" }],
      evidenceCount: 3, firstFiredAt: END, lastFiredAt: END,
    } });
    const sql = fs.readFileSync(path.resolve("prisma/migrations/20261202140000_winback_without_other_projects/migration.sql"), "utf8");
    for (const statement of sql.split(/;\s*$/m).map((x) => x.replace(/^--.*$/gm, "").trim()).filter(Boolean)) await db.prisma.$executeRawUnsafe(statement);
    const after = await db.prisma.recommendationV2.findUniqueOrThrow({ where: { id: old.id } });
    expect(leaks(after)).toEqual([]);
    expect(JSON.stringify(after)).not.toContain(betaMessage.externalId);
    expect(after.llmText).toBeNull();
    expect((after.evidenceRefs as { id: string }[]).map((r) => r.id)).toEqual(alphaMessages.map((m) => m.externalId));
    expect(after.evidenceCount).toBe(2);
    await db.prisma.recommendationV2.delete({ where: { id: old.id } });
  });

  it("the Remix pages (similar cases, dashboard, recommendations) render no name, text or link of Beta for the PM", async () => {
    const login = await fetch(`${server.url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: JSON.stringify({ email: fx.pm.email, password: PASSWORD }) });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    for (const page of ["similar", "similar?window=7", "similar?window=30", "", "recommendations?hidden=1&inactive=1"]) {
      const res = await fetch(`${server.url}/projects/${fx.projectA.id}/${page}`, { headers: { cookie } });
      expect(res.status, page).toBe(200);
      const html = await res.text();
      expect(leaks(html), page).toEqual([]);
      if (page.startsWith("similar")) expect(html).toContain("A project you are not a member of");
    }
  });
});
