import { launchBrowser, login, watchPage } from "./helpers/browser.ts";
const base = "http://127.0.0.1:3000";
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const w = watchPage(page);
await login(page, base, "demo@controltower.dev", "demo-password");
await page.screenshot({ path: "/tmp/shots/portfolio.png", fullPage: true });
const links = await page.$$eval("a[href^='/projects/']", (as) => [...new Set(as.map((a) => (a as HTMLAnchorElement).getAttribute("href")!))]);
console.log(links.slice(0, 10));
const pid = links.map((l) => l.split("/")[2]).find(Boolean)!;
for (const sub of ["", "recommendations", "similar", "events", "messages", "jobs", "digests", "settings"]) {
  await page.goto(`${base}/projects/${pid}/${sub}`);
  await page.waitForTimeout(500);
  await page.screenshot({ path: `/tmp/shots/p-${sub || "dashboard"}.png`, fullPage: true });
}
console.log(w.problems);
await browser.close();
