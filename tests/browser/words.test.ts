// "Words for PMs": the product speaks to project managers — human job and counter names, times in
// the reader's own time zone, money in the workspace currency, an event log that opens on client and
// project events, a real 404 page, and action answers beside the button that was pressed.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { run, Logger, type Runner } from "graphile-worker";
import type { ServerBuild } from "@remix-run/node";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemoWorkspace } from "../../server/services/seed/demo-workspace.ts";
import { buildTaskList } from "../../jobs/task-list.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { testEnv } from "../helpers/fixtures.ts";
import { startServer } from "../helpers/server.ts";
import { gotoHydrated, launchBrowser, login, screenshot, watchPage } from "../helpers/browser.ts";
import { formatDateTime } from "../../app/utils/format.ts";

let db: TestDb;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let worker: Runner;
let acmeId: string;
const env = testEnv();

// A sync that ran 3 hours ago (to the minute), with the counters the walk-through saw.
const SYNC_STARTED = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3600_000);
const hhmm = (d: Date, offsetHours: number) => new Date(d.getTime() + offsetHours * 3600_000).toISOString().slice(11, 16);

beforeAll(async () => {
  db = await createTestDb();
  await seedDemoWorkspace(db.prisma, { now: new Date() });
  acmeId = (await db.prisma.project.findFirstOrThrow({ where: { slug: "acme-web-relaunch" } })).id;
  // The PM reads times in Tokyo (UTC+9, no daylight saving time); the others have no zone yet.
  await db.prisma.user.update({ where: { email: "pm@controltower.dev" }, data: { timeZone: "Asia/Tokyo" } });

  await db.prisma.jobRun.create({
    data: {
      projectId: acmeId, task: "chatwoot_sync", trigger: "scheduler", status: "succeeded", startedAt: SYNC_STARTED,
      finishedAt: new Date(SYNC_STARTED.getTime() + 2_763), durationMs: 165_810_000, counters: { pages: 7, httpRequests: 8, eventsWritten: 71, rateLimited: 0 },
    },
  });
  // The event log: one client message and a deal, then many newer worker events on top of them.
  const ev = (i: number, data: { category: "domain" | "process"; eventType: string; payload: object; minutesAgo: number }) => ({
    projectId: acmeId, category: data.category, eventType: data.eventType, occurredAt: new Date(Date.now() - data.minutesAgo * 60_000),
    payload: data.payload, dedupeKey: `words-test-${i}`, source: data.category === "process" ? "worker" : "chatwoot",
  });
  await db.prisma.eventLog.createMany({
    data: [
      ev(0, { category: "domain", eventType: "message_received", payload: { snippet: "Can we see the new homepage this week?" }, minutesAgo: 600 }),
      ev(1, { category: "domain", eventType: "deal_stage_changed", payload: { name: "Acme retainer", stage: "proposal", amount: 120000 }, minutesAgo: 500 }),
      ...Array.from({ length: 60 }, (_, i) => ev(2 + i, {
        category: "process", eventType: "process_finished", minutesAgo: 60 - i,
        payload: { task: "chatwoot_sync", status: "succeeded", durationMs: 2763, counters: { pages: 7, httpRequests: 8, eventsWritten: 71 } },
      })),
    ],
  });

  const build = (await import(pathToFileURL(path.resolve("build/index.js")).href)) as ServerBuild;
  server = await startServer(db, env, build);
  // Only the tasks this test starts itself run: no crontab, no scheduler tick, no connector syncs.
  worker = await run({ pgPool: db.pool, concurrency: 1, pollInterval: 200, noHandleSignals: true, logger: new Logger(() => () => {}), taskList: buildTaskList({ db: db.prisma, env, workerId: "words-test" }) });
  await db.prisma.workerRun.create({ data: { id: "words-test", hostname: "test", pid: process.pid } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
  await db?.drop();
});

/** Whether `inner`'s box lies inside `outer`'s box. */
async function within(inner: Locator, outer: Locator): Promise<boolean> {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  if (!a || !b) return false;
  return a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
}

async function signedIn(email: string, opts: { timezoneId?: string } = {}): Promise<Page> {
  const context = await browser.newContext(opts.timezoneId ? { timezoneId: opts.timezoneId } : {});
  const page = await context.newPage();
  await login(page, server.url, email, DEMO_PASSWORD);
  return page;
}

describe("words for PMs", () => {
  it("the Operations page shows job names, readable counters and times in the user's zone", async () => {
    const page = await signedIn("pm@controltower.dev");
    const watch = watchPage(page);
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/jobs`);

    const pipeline = page.locator('tr[data-task="kag_daily_pipeline"]');
    expect(await pipeline.getByText("Daily intelligence pipeline", { exact: true }).isVisible()).toBe(true);
    // The technical name is still there on hover, not in the text.
    expect(await pipeline.getByText("Daily intelligence pipeline", { exact: true }).getAttribute("title")).toMatch(/^kag_daily_pipeline — /);
    expect(await page.locator("main").getByText("kag_daily_pipeline").count()).toBe(0);
    expect(await page.locator('tr[data-task="connectors_sync_cycle"]').getByText("Sync from Chatwoot, Linear and Attio", { exact: true }).isVisible()).toBe(true);
    expect(await page.locator('tr[data-task="daily_digest"]').textContent()).toContain("every day");

    const sync = page.locator('tr[data-run-task="chatwoot_sync"]');
    expect(await sync.locator("td").first().textContent()).toBe("Sync from Chatwoot");
    const counters = sync.locator("td[data-counters]");
    expect(await counters.textContent()).toBe("71 events written · 7 pages · 8 requests");
    // (jsonb keeps its own key order)
    expect((await counters.getAttribute("title"))?.split(" ").sort()).toEqual(["eventsWritten=71", "httpRequests=8", "pages=7", "rateLimited=0"]);
    expect(await sync.textContent()).toContain("1 d 22 h"); // 2763.5 min
    expect(await sync.textContent()).toContain("on schedule");

    // The start time in Tokyo (UTC+9), with how long ago, and the exact instant in the title.
    const started = sync.locator("time");
    const text = (await started.textContent()) ?? "";
    expect(text).toContain(hhmm(SYNC_STARTED, 9));
    expect(text).not.toContain(hhmm(SYNC_STARTED, 0));
    expect(text).toMatch(/ · 3 h ago$/);
    // After hydration the browser has re-rendered it with its own Intl: the same day, time and
    // relative part as the server's (a month's short name may differ between ICU versions: "Sep"/"Sept").
    const serverText = `${formatDateTime(SYNC_STARTED, "Asia/Tokyo", "en", new Date())} · 3 h ago`;
    const dayOf = (t: string) => t.split(" ")[0];
    await expect.poll(async () => { const t = (await started.textContent()) ?? ""; return [dayOf(t), t.slice(t.indexOf(","))]; }).toEqual([dayOf(serverText), serverText.slice(serverText.indexOf(","))]);
    expect(await started.getAttribute("title")).toBe(`${SYNC_STARTED.toISOString()} (shown in Asia/Tokyo)`);
    expect(await page.locator("main").getByText(/\bUTC\b/).count()).toBe(0);
    await screenshot(page, "words-01-operations");
    expect(watch.problems).toEqual([]);
    await page.context().close();
  });

  it("Run now answers inside the clicked row, and the row follows the job without a reload", async () => {
    const page = await signedIn("pm@controltower.dev");
    const watch = watchPage(page);
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/jobs`);
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));

    const row = page.locator('tr[data-task="event_log_retention"]');
    await row.getByRole("button", { name: "Run now" }).click();
    const banner = row.getByRole("status");
    await expect.poll(() => banner.textContent()).toMatch(/^Queued event_log_retention — “Event log clean-up” starts in a moment\.$/);
    expect(await within(banner, row)).toBe(true);
    // Only that row answers; nothing appears at the top of the page.
    expect(await page.locator("main").getByRole("status").count()).toBe(1);

    // The worker runs it; the page re-reads itself while the job is queued or running.
    await expect.poll(() => page.locator('tr[data-run-task="event_log_retention"][data-run-status="succeeded"]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => row.locator("[data-live-status]").getAttribute("data-live-status")).toBe("succeeded");
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    // A cadence edit answers beside its select, in its own row.
    const scoring = page.locator('tr[data-task="health_scoring"]');
    await scoring.getByLabel("How often Update health and risk scores runs").selectOption({ label: "every 6 h" });
    await scoring.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => scoring.getByRole("status").textContent()).toBe("Update health and risk scores now runs every 6 h.");
    expect(await within(scoring.getByRole("status"), scoring)).toBe(true);
    expect((await db.prisma.scheduledJob.findFirstOrThrow({ where: { projectId: acmeId, task: "health_scoring" } })).cadenceSeconds).toBe(6 * 3600);
    await screenshot(page, "words-02-run-now");
    expect(watch.problems).toEqual([]);
    await page.context().close();
  });

  it("the event log opens on client and project events; system activity is one filter away, in words", async () => {
    const page = await signedIn("pm@controltower.dev");
    const watch = watchPage(page);
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/events`);
    const feed = page.locator("ol li[data-event-type]");
    await expect.poll(() => feed.count()).toBe(2);
    expect(await page.locator('li[data-event-type^="process_"]').count()).toBe(0);
    expect(await page.locator('li[data-event-type="message_received"]').textContent()).toContain("Client wrote “Can we see the new homepage this week?”");
    expect(await page.locator('li[data-event-type="deal_stage_changed"]').textContent()).toContain("moved to proposal ($120,000)");
    expect(await page.getByLabel("Show").inputValue()).toBe("domain");

    await page.getByLabel("Show").selectOption({ label: "System activity (background jobs)" });
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/category=process/);
    // (The clean-up run of the test above is newer than the syncs.)
    const first = page.locator('li[data-event-type="process_finished"]').filter({ hasText: "Sync from Chatwoot" }).first();
    await expect.poll(() => first.isVisible()).toBe(true);
    expect(await page.locator('li[data-event-type="message_received"]').count()).toBe(0);
    const line = first.getByText(/^Sync from Chatwoot succeeded/);
    expect(await line.textContent()).toBe("Sync from Chatwoot succeeded in 2.7 s — 71 events written · 7 pages · 8 requests");
    expect(await line.getAttribute("title")).toBe("task chatwoot_sync · pages=7 httpRequests=8 eventsWritten=71");
    expect(await first.getByText("Job finished").isVisible()).toBe(true);
    await screenshot(page, "words-03-events");

    // "Everything" still exists, and Clear goes back to the default.
    await page.getByLabel("Show").selectOption("all");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/category=all/);
    await expect.poll(() => page.locator("ol li[data-event-type]").count()).toBe(50);
    await page.getByRole("link", { name: "Clear" }).click();
    await expect.poll(() => page.locator("ol li[data-event-type]").count()).toBe(2);
    expect(watch.problems).toEqual([]);
    await page.context().close();
  });

  it("an unknown address is a friendly 404 page, signed in or not", async () => {
    const page = await signedIn("pm@controltower.dev");
    for (const url of ["/nope", `/projects/${acmeId}/nope`, "/projects/not-a-project/and/deeper"]) {
      const res = await page.goto(`${server.url}${url}`);
      expect(res?.status(), url).toBe(404);
      expect(await page.getByRole("heading", { level: 1 }).textContent(), url).toMatch(/not found/i);
      expect(await page.locator("body").innerText(), url).not.toMatch(/No route matches|Error: /);
      expect(await page.getByRole("link", { name: "Back to your projects" }).isVisible(), url).toBe(true);
    }
    // Inside a project the page keeps the project's navigation and links back to its dashboard.
    await page.goto(`${server.url}/projects/${acmeId}/nope`);
    expect(await page.getByRole("navigation", { name: "Project sections" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "Back to the project dashboard" }).getAttribute("href")).toBe(`/projects/${acmeId}`);
    await screenshot(page, "words-04-not-found");
    await page.getByRole("link", { name: "Back to your projects" }).click();
    await page.waitForURL(/\/projects$/);
    await page.context().close();

    const anonymous = await browser.newPage();
    const res = await anonymous.goto(`${server.url}/nope`);
    expect(res?.status()).toBe(404);
    expect(await anonymous.getByRole("heading", { name: "Page not found" }).isVisible()).toBe(true);
    expect(await anonymous.locator("body").innerText()).not.toContain("No route matches");
    await anonymous.close();
  });

  it("a new user's zone comes from the browser once; Settings change the zone and the workspace currency", async () => {
    // The owner has no zone yet; their browser is in New York.
    const page = await signedIn("demo@controltower.dev", { timezoneId: "America/New_York" });
    const watch = watchPage(page);
    const owner = () => db.prisma.user.findUniqueOrThrow({ where: { email: "demo@controltower.dev" } });
    await expect.poll(async () => (await owner()).timeZone).toBe("America/New_York");
    expect(await db.prisma.auditEvent.count({ where: { action: "user.time_zone_changed", actorUserId: (await owner()).id } })).toBe(1);

    await gotoHydrated(page, `${server.url}/projects/${acmeId}/settings`);
    expect(await page.getByLabel("Your time zone").inputValue()).toBe("America/New_York");
    await page.getByLabel("Your time zone").selectOption("Europe/Berlin");
    const zoneForm = page.locator("form").filter({ has: page.getByLabel("Your time zone") });
    await zoneForm.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => zoneForm.getByRole("status").textContent()).toBe("Times now show in Europe/Berlin.");
    expect((await owner()).timeZone).toBe("Europe/Berlin");
    // A later visit from the New York browser does not override the choice.
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/jobs`);
    expect(await page.locator('tr[data-run-task="chatwoot_sync"] time').getAttribute("title")).toContain("(shown in Europe/Berlin)");
    expect((await owner()).timeZone).toBe("Europe/Berlin");

    await gotoHydrated(page, `${server.url}/projects/${acmeId}/settings`);
    await page.getByLabel("Workspace currency").selectOption("EUR");
    const currencyForm = page.locator("form").filter({ has: page.getByLabel("Workspace currency") });
    await currencyForm.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => currencyForm.getByRole("status").textContent()).toBe("Money now shows in EUR across the workspace.");
    expect((await db.prisma.workspace.findFirstOrThrow({ where: { slug: "demo" } })).currency).toBe("EUR");
    await gotoHydrated(page, `${server.url}/projects/${acmeId}/events`);
    expect(await page.locator('li[data-event-type="deal_stage_changed"]').textContent()).toContain("moved to proposal (€120,000)");
    await screenshot(page, "words-05-settings");
    expect(watch.problems).toEqual([]);
    await page.context().close();

    // A PM (not an owner of any project) sees the currency but cannot change it.
    const pm = await signedIn("pm@controltower.dev");
    await gotoHydrated(pm, `${server.url}/projects/${acmeId}/settings`);
    expect(await pm.getByLabel("Workspace currency").textContent()).toContain("EUR");
    expect(await pm.locator("select#currency").count()).toBe(0);
    await pm.context().close();
  });
});
