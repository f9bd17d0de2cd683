import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../server/services/seed/demo-workspace.ts";
import { gotoHydrated, login, screenshot, watchPage } from "../helpers/browser.ts";
import { startBrowserWorkspace, type BrowserWorkspace } from "../helpers/browser-workspace.ts";

/**
 * Phone to wide screen: every page at 360 px and at 1440 px, for the owner and for the PM.
 * The page itself never scrolls sideways (wide tables scroll inside their card), the header and the
 * project sections stay reachable on a phone, and the 30-day trend chart fills its card.
 */
const PHONE = { width: 360, height: 780 };
const WIDE = { width: 1440, height: 900 };
const SIZES = [PHONE, WIDE];
const SECTIONS = [
  ["dashboard", ""],
  ["recommendations", "/recommendations"],
  ["similar", "/similar"],
  ["events", "/events"],
  ["messages", "/messages?q=approve%20the%20designs"],
  ["jobs", "/jobs"],
  ["digests", "/digests?kind=weekly"],
  ["settings", "/settings"],
] as const;
const USERS = [["owner", "demo@controltower.dev"], ["pm", "pm@controltower.dev"]] as const;

let ws: BrowserWorkspace;

beforeAll(async () => {
  ws = await startBrowserWorkspace({ data: true });
});

afterAll(async () => {
  await ws?.close();
});

/** How much wider than the window the document is (0 when it fits), and the elements that stick out. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const vw = window.innerWidth;
    const culprits: string[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      const parent = el.parentElement?.getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 0.5 && parent && parent.right <= vw + 0.5) culprits.push(`<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> right=${Math.round(r.right)}`);
    }
    return { by: document.documentElement.scrollWidth - vw, culprits: culprits.slice(0, 5) };
  });
}

/**
 * The x extent of the trend chart as drawn (axes with their labels, grid, lines) and of its card, in CSS
 * pixels. The same for the server-rendered static chart (parts marked `data-chart-part`) and for recharts.
 */
async function trendGeometry(page: Page) {
  return page.locator('figure[data-chart="trend"]').evaluate((fig) => {
    const boxes = (sel: string) => [...fig.querySelectorAll(sel)].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 || r.height > 0);
    const drawn = boxes("svg :is(text, path, line, rect):not(defs *), [data-chart-part=axis]");
    const plot = boxes(".recharts-cartesian-grid, [data-chart-part=plot]")[0];
    const card = fig.parentElement!.getBoundingClientRect();
    return {
      card: { left: card.left, right: card.right, width: card.width },
      drawn: { left: Math.min(...drawn.map((r) => r.left)), right: Math.max(...drawn.map((r) => r.right)) },
      plot: plot ? { left: plot.left, right: plot.right, width: plot.width } : null,
      lines: boxes(".recharts-line-curve, [data-chart-part=line]").map((r) => ({ left: r.left, right: r.right, width: r.width })),
      interactive: fig.querySelector("svg.recharts-surface") !== null,
    };
  });
}

/** The chart fills its card (at least 85% of its width) without sticking out, and both lines span the plot: all 30 days. */
function expectFillsCard(g: Awaited<ReturnType<typeof trendGeometry>>, where: string) {
  expect((g.drawn.right - g.drawn.left) / g.card.width, `trend chart width / card width ${where}`).toBeGreaterThanOrEqual(0.85);
  expect(g.drawn.left, where).toBeGreaterThanOrEqual(g.card.left - 0.5);
  expect(g.drawn.right, where).toBeLessThanOrEqual(g.card.right + 0.5);
  expect(g.lines, where).toHaveLength(2);
  for (const l of g.lines) expect(l.width, where).toBeGreaterThanOrEqual(0.95 * g.plot!.width);
}

/** Fails with the list of pages (and the culprits) rather than at the first one, so one run shows them all. */
function collector() {
  const failures: string[] = [];
  return {
    failures,
    check(ok: boolean, what: string) {
      if (!ok) failures.push(what);
    },
  };
}

describe("layout from phone to wide screen", () => {
  it("the login page and the 404 pages fit at 360 and 1440 px", async () => {
    const { failures, check } = collector();
    const context = await ws.browser.newContext();
    const page = await context.newPage();
    const watch = watchPage(page);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await gotoHydrated(page, `${ws.server.url}/login`);
      const o = await overflow(page);
      check(o.by <= 0, `login @${size.width}: ${o.by}px too wide ${o.culprits.join(", ")}`);
      await screenshot(page, `layout-login-${size.width}`);
    }
    expect(watch.problems).toEqual([]);

    await login(page, ws.server.url, "pm@controltower.dev", DEMO_PASSWORD);
    const notFound = [["404", "/no-such-page"], ["404-in-project", `/projects/${ws.acmeId}/no-such-section`], ["404-project", "/projects/00000000-0000-4000-8000-000000000000"]] as const;
    for (const [name, path] of notFound) {
      for (const size of SIZES) {
        await page.setViewportSize(size);
        watch.reset();
        const res = await page.goto(`${ws.server.url}${path}`);
        expect(res?.status()).toBe(404);
        await expect.poll(() => page.getByRole("heading", { name: /not found/i }).isVisible()).toBe(true);
        const o = await overflow(page);
        check(o.by <= 0, `${name} @${size.width}: ${o.by}px too wide ${o.culprits.join(", ")}`);
        const signOut = page.getByRole("button", { name: "Sign out" });
        if (await signOut.count()) {
          const box = await signOut.boundingBox();
          check(box !== null && box.x >= 0 && box.x + box.width <= size.width, `${name} @${size.width}: Sign out not within the window (${JSON.stringify(box)})`);
        }
        await screenshot(page, `layout-${name}-${size.width}`);
        // The page's own 404 is the point; anything else (a missing script, a console error) is not.
        // (also its revalidation, `<path>.data`, e.g. after the browser reported its time zone).
        const own = [`HTTP 404 ${ws.server.url}${path}`, `HTTP 404 ${ws.server.url}${path}.data`];
        expect(watch.problems.filter((p) => !own.includes(p) && !/^console: Failed to load resource: .*404/.test(p))).toEqual([]);
      }
    }
    expect(failures).toEqual([]);
    await context.close();
  }, 120_000);

  for (const [who, email] of USERS) {
    it(`every page fits at 360 and 1440 px for the ${who}, with the header and the project sections reachable`, async () => {
      const { failures, check } = collector();
      const context = await ws.browser.newContext();
      const page = await context.newPage();
      const watch = watchPage(page);
      await login(page, ws.server.url, email, DEMO_PASSWORD);
      const pages = [["portfolio", "/projects"], ...SECTIONS.map(([name, sub]) => [name, `/projects/${ws.acmeId}${sub}`])] as const;
      const suffix = who === "owner" ? "" : `-${who}`;

      for (const size of SIZES) {
        await page.setViewportSize(size);
        for (const [name, url] of pages) {
          await gotoHydrated(page, `${ws.server.url}${url}`);
          let o = await overflow(page);
          check(o.by <= 0, `${name} @${size.width}: ${o.by}px too wide ${o.culprits.join(", ")}`);
          // Opened disclosures ("Why 72?", "Why am I seeing this?", event payloads) must fit as well.
          await page.locator("main details").evaluateAll((ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
          o = await overflow(page);
          check(o.by <= 0, `${name} @${size.width} with details open: ${o.by}px too wide ${o.culprits.join(", ")}`);
          await page.locator("main details").evaluateAll((ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = false)));

          // The header: brand, user and Sign out inside the window; the project switcher too on project pages.
          for (const [label, locator] of [["brand", page.getByRole("link", { name: "Control Tower", exact: true })], ["Sign out", page.getByRole("button", { name: "Sign out" })], ...(name === "portfolio" ? [] : [["project switcher", page.getByLabel("Project", { exact: true })] as const])] as const) {
            const box = await locator.boundingBox();
            check(box !== null && box.x >= 0 && box.x + box.width <= size.width, `${name} @${size.width}: ${label} not within the window (${JSON.stringify(box)})`);
          }
          await screenshot(page, `layout-${name}${suffix}-${size.width}`);
        }
      }

      expect(failures).toEqual([]);

      // The trend chart fills its card at both sizes and shows the whole 30 days (nothing clipped).
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await gotoHydrated(page, `${ws.server.url}/projects/${ws.acmeId}`);
        // recharts replaces the static chart once hydrated, and draws at the card's width.
        await expect.poll(async () => (await trendGeometry(page)).interactive).toBe(true);
        await expect.poll(async () => {
          const g = await trendGeometry(page);
          return (g.drawn.right - g.drawn.left) / g.card.width;
        }).toBeGreaterThanOrEqual(0.85);
        expectFillsCard(await trendGeometry(page), `@${size.width}`);
      }

      // On a phone the sections are a menu: closed at first, opened by its button, links are real links.
      await page.setViewportSize(PHONE);
      await gotoHydrated(page, `${ws.server.url}/projects/${ws.acmeId}`);
      const nav = page.getByRole("navigation", { name: "Project sections" });
      expect(await nav.getByRole("link", { name: "Operations" }).isVisible()).toBe(false);
      await nav.locator("summary").click();
      await expect.poll(() => nav.getByRole("link", { name: "Operations" }).isVisible()).toBe(true);
      expect(await nav.getByRole("link", { name: "Dashboard" }).getAttribute("aria-current")).toBe("page");
      for (const link of await nav.getByRole("link").all()) {
        const box = await link.boundingBox();
        check(box !== null && box.x >= 0 && box.x + box.width <= PHONE.width, `nav link ${await link.textContent()} not within the window at 360 px`);
      }
      await screenshot(page, `layout-nav-menu${suffix}-360`);
      await nav.getByRole("link", { name: "Operations" }).click();
      await page.waitForURL(/\/jobs$/);
      await expect.poll(() => page.getByRole("heading", { name: "Operations", exact: true }).isVisible()).toBe(true);
      // After the navigation the menu is closed again and names the current section.
      await expect.poll(() => nav.getByRole("link", { name: "Operations" }).isVisible()).toBe(false);
      expect(await nav.locator("summary").textContent()).toContain("Operations");
      await nav.locator("summary").click();
      expect(await nav.getByRole("link", { name: "Operations" }).getAttribute("aria-current")).toBe("page");
      await nav.getByRole("link", { name: "Settings" }).click();
      await page.waitForURL(/\/settings$/);

      // On a wide screen the sections are tabs, visible without opening anything.
      await page.setViewportSize(WIDE);
      expect(await nav.locator("summary").isVisible()).toBe(false);
      await expect.poll(() => nav.getByRole("link", { name: "Settings" }).getAttribute("aria-current")).toBe("page");
      expect(await nav.getByRole("link", { name: "Messages & search" }).isVisible()).toBe(true);

      expect(failures).toEqual([]);
      expect(watch.problems).toEqual([]);

      // Sign out works from a phone.
      await page.setViewportSize(PHONE);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/login$/);
      await context.close();
    }, 300_000);
  }

  it("without JavaScript the section menu still opens and its links navigate", async () => {
    const context = await ws.browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
    const page = await context.newPage();
    await login(page, ws.server.url, "pm@controltower.dev", DEMO_PASSWORD);
    await page.goto(`${ws.server.url}/projects/${ws.acmeId}`);
    const nav = page.getByRole("navigation", { name: "Project sections" });
    expect(await nav.getByRole("link", { name: "Digests" }).isVisible()).toBe(false);
    await nav.locator("summary").click();
    await nav.getByRole("link", { name: "Digests" }).click();
    await page.waitForURL(/\/digests$/);
    expect(await nav.locator("summary").textContent()).toContain("Digests");
    // The server-rendered chart already fills its card at both sizes, and so does the page.
    await page.goto(`${ws.server.url}/projects/${ws.acmeId}`);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      const g = await trendGeometry(page);
      expect(g.interactive).toBe(false);
      expectFillsCard(g, `without JavaScript @${size.width}`);
      const o = await overflow(page);
      expect(o.by, o.culprits.join(", ")).toBeLessThanOrEqual(0);
      await screenshot(page, `layout-dashboard-nojs-${size.width}`);
    }
    await context.close();
  }, 120_000);
});
