// What a PM can safely act on, in a real browser: client-facing actions only where they fit, a task
// that is never due in the past, retry that answers in place, done recommendations without actions,
// and similar cases that never show another client's name or text to someone outside that project.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { run, Logger, type Runner } from "graphile-worker";
import type { ServerBuild } from "@remix-run/node";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTaskList } from "../../jobs/task-list.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import { backfillDailyPipeline } from "../../server/services/intelligence/pipeline.ts";
import { DEMO_PASSWORD, seedDemoWorkspace } from "../../server/services/seed/demo-workspace.ts";
import { startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { gotoHydrated, launchBrowser, login, screenshot, watchPage } from "../helpers/browser.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { testEnv } from "../helpers/fixtures.ts";
import { startServer } from "../helpers/server.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

const env = testEnv();
let db: TestDb;
let sims: Simulators;
let server: Awaited<ReturnType<typeof startServer>>;
let worker: Runner;
let browser: Browser;
let acmeId: string;
let umbrellaId: string;
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  db = await createTestDb();
  const now = new Date();
  await seedDemoWorkspace(db.prisma, { now });
  acmeId = (await db.prisma.project.findFirstOrThrow({ where: { slug: "acme-web-relaunch" } })).id;
  // Umbrella: pm@ is not a member. Its client also went quiet, and its budget overran.
  umbrellaId = (await db.prisma.project.findFirstOrThrow({ where: { slug: "umbrella-support-retainer" } })).id;
  sims = await startSimulators({ seed: 21, projects: 2, days: 40, end: now, profiles: [
    { clientName: "Acme", name: "Acme Web Relaunch", situations: ["client_silence"] },
    { clientName: "Umbrella", name: "Umbrella Support Retainer", situations: ["client_silence", "budget_overrun"] },
  ] });
  for (const [i, id] of [acmeId, umbrellaId].entries()) {
    await bindProjectToSims(db.prisma, env, sims, id, i);
    for (const c of CONNECTORS) expect((await runConnectorSync(db.prisma, env, { projectId: id, connector: c, now, http: fastHttp })).status).toBe("ok");
  }
  for (const id of [umbrellaId, acmeId]) await backfillDailyPipeline(db.prisma, env, id, now, 14);
  for (const id of [umbrellaId, acmeId]) await backfillDailyPipeline(db.prisma, env, id, now, 1);
  const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
  server = await startServer(db, env, build);
  worker = await run({ pgPool: db.pool, concurrency: 1, pollInterval: 200, noHandleSignals: true, logger: new Logger(() => () => {}), taskList: buildTaskList({ db: db.prisma, env, workerId: "acting-test" }) });
  await db.prisma.workerRun.create({ data: { id: "acting-test", hostname: "test", pid: process.pid } });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
  await sims?.close();
  await db?.drop();
});

describe("acting safely", () => {
  it("similar cases: the PM sees Umbrella only as an anonymous case, the owner by name", async () => {
    const page = await browser.newPage();
    const watch = watchPage(page);
    await login(page, server.url, "pm@controltower.dev", DEMO_PASSWORD);
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/similar`);
    const anon = page.locator('li[data-case="anonymous"]');
    await expect.poll(() => anon.count()).toBeGreaterThan(0);
    expect(await anon.first().getByText("A project you are not a member of").isVisible()).toBe(true);
    expect(await anon.first().locator("a").count()).toBe(0);
    expect(await page.locator("body").innerText()).not.toContain("Umbrella");
    await screenshot(page, "30-similar-anonymous-pm");
    await gotoHydrated(page, `${server.url}/projects/${acmeId}`);
    expect(await page.locator("body").innerText()).not.toContain("Umbrella");
    expect(watch.problems).toEqual([]);
    await page.close();

    const owner = await browser.newPage();
    await login(owner, server.url, "demo@controltower.dev", DEMO_PASSWORD);
    await gotoHydrated(owner, `${server.url}/projects/${acmeId}/similar`);
    await expect.poll(() => owner.getByRole("link", { name: "Umbrella Support Retainer" }).count()).toBeGreaterThan(0);
    await owner.close();
  });

  it("actions fit the recommendation: a budget review offers a task, not a message to the client; the task is never due in the past", async () => {
    const page = await browser.newPage();
    const watch = watchPage(page);
    await login(page, server.url, "demo@controltower.dev", DEMO_PASSWORD);
    // An old recommendation whose own due date has passed.
    await db.prisma.recommendationV2.updateMany({ where: { projectId: umbrellaId, category: "finance_risk" }, data: { dueDate: new Date("2026-01-05T00:00:00Z") } });
    await gotoHydrated(page, `${server.url}/projects/${umbrellaId}/recommendations`);
    const finance = page.locator('li[data-category="finance_risk"]');
    const waiting = page.locator('li[data-category="waiting_on_client"]');
    await expect.poll(() => finance.count()).toBe(1);
    expect(await finance.getByRole("link", { name: "Write to the client…" }).count()).toBe(0);
    expect(await finance.getByText(/No message to the client/).count()).toBe(0); // not even offered: it is a team matter
    expect(await waiting.getByRole("link", { name: "Write to the client…" }).count()).toBe(1);

    await finance.getByRole("link", { name: "Create a Linear task…" }).click();
    const draft = finance.locator('[data-draft="task"]');
    await expect.poll(() => draft.isVisible()).toBe(true);
    const due = draft.getByLabel("Due");
    expect(await due.inputValue()).toBe(today());
    expect(await due.getAttribute("min")).toBe(today());
    await draft.getByLabel("Title").fill("Re-estimate the Umbrella retainer with finance");
    await draft.getByRole("button", { name: "Create the task" }).click();
    await expect.poll(() => finance.locator('[data-action="create_or_update_task"]').getAttribute("data-run-status"), { timeout: 30_000 }).toBe("succeeded");
    const link = finance.locator('[data-action="create_or_update_task"]').getByRole("link", { name: /open UMB-\d+ in Linear/ });
    expect(await link.isVisible()).toBe(true);
    const created = sims.workspace.project(1)!.linear.issues.find((i) => i.title === "Re-estimate the Umbrella retainer with finance")!;
    expect(created.dueDate! >= today()).toBe(true);
    // The task's link opens the simulated Linear issue page (the same path shape as Linear's own).
    const issuePage = await fetch((await link.getAttribute("href"))!);
    expect(issuePage.status).toBe(200);
    expect(await issuePage.text()).toContain("Re-estimate the Umbrella retainer with finance");
    await screenshot(page, "31-task-created");
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it("retry answers in place and the state follows live; a done recommendation keeps no action buttons", async () => {
    const page = await browser.newPage();
    const watch = watchPage(page);
    await login(page, server.url, "demo@controltower.dev", DEMO_PASSWORD);
    const rec = await db.prisma.recommendationV2.findFirstOrThrow({ where: { projectId: umbrellaId, category: "waiting_on_client" } });
    const conv = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: umbrellaId, messageType: 1 }, orderBy: { sourceCreatedAt: "desc" } });
    // A send that already failed three times (the provider was down).
    const dead = await db.prisma.recommendationActionRun.create({ data: {
      projectId: umbrellaId, recommendationId: rec.id, actionType: "send_message", status: "dead", attempts: 3, maxAttempts: 3, error: "chatwoot: HTTP 500",
      payload: { content: "Hello — could you confirm the new design by Friday?", conversationId: Number(conv.conversationExternalId) }, dedupeKey: "browser-dead-run",
    } });
    await gotoHydrated(page, `${server.url}/projects/${umbrellaId}/recommendations`);
    const card = page.locator('li[data-category="waiting_on_client"]');
    const row = card.locator(`[data-run-status="dead"]`);
    await expect.poll(() => row.isVisible()).toBe(true);
    expect(await row.locator("[data-sent-text]").textContent()).toBe("Hello — could you confirm the new design by Friday?");
    await row.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => card.locator('[data-action="send_message"]').getByRole("status").textContent()).toBe("Retrying now");
    await expect.poll(() => card.locator('[data-action="send_message"]').getAttribute("data-run-status"), { timeout: 30_000 }).toBe("succeeded");
    expect((await db.prisma.recommendationActionRun.findUniqueOrThrow({ where: { id: dead.id } })).status).toBe("succeeded");

    await card.getByRole("button", { name: "Mark done" }).click();
    await expect.poll(() => page.locator('li[data-category="waiting_on_client"]').getAttribute("data-status")).toBe("done");
    expect(await card.getByRole("group", { name: "Actions" }).count()).toBe(0);
    expect(await card.getByRole("button", { name: "Reopen" }).isVisible()).toBe(true);
    expect(await card.getByRole("button", { name: "Dismiss" }).count()).toBe(0);
    await screenshot(page, "32-done-recommendation");
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it("messages show what they say (labels, the span highlighted, who decided), filter by label, and a PM corrects a label in place", async () => {
    const page = await browser.newPage();
    const watch = watchPage(page);
    await login(page, server.url, "pm@controltower.dev", DEMO_PASSWORD);
    // The evidence of the waiting-on-client card says how each message was read, and by whom.
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/recommendations`);
    const card = page.locator('li[data-category="waiting_on_client"]');
    await card.getByText("Why am I seeing this?").click();
    await expect.poll(() => card.locator("[data-reading]").first().textContent()).toMatch(/read by the local model/);

    await gotoHydrated(page, `${server.url}/projects/${acmeId}/messages?label=approval_request`);
    const rows = page.locator("li[data-message]");
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-labels") ?? ""));
    expect(labels.every((l) => l.split(" ").includes("approval_request"))).toBe(true);
    expect(await rows.first().locator("mark").count()).toBeGreaterThan(0);
    expect(await page.locator("[data-engine]").textContent()).toMatch(/local model \(no language model configured\)/);
    await screenshot(page, "33-messages-labels");

    const first = rows.first();
    const id = await first.getAttribute("data-message");
    await first.getByRole("button", { name: "Not an approval request" }).click();
    // The correction counts at once: the message leaves the filtered list; audited; shown as a person's decision.
    await expect.poll(() => page.locator(`li[data-message="${id}"]`).count()).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { action: "message_understanding.corrected", entityId: id! } })).toBe(1);
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/messages`);
    const row = page.locator(`li[data-message="${id}"]`);
    expect(await row.getAttribute("data-labels")).not.toContain("approval_request");
    await row.getByRole("button", { name: /undo the “Approval request” correction/ }).click();
    await expect.poll(() => page.locator(`li[data-message="${id}"]`).getAttribute("data-labels")).toContain("approval_request");
    expect(watch.problems).toEqual([]);
    await page.close();
  });
});
