import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!fs.existsSync(p)) throw new Error(`Chromium not found at ${p}: apt-get install chromium (npm test installs it when run as root)`);
  return p;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** Collects console errors, failed requests and 4xx/5xx answers of a page, to assert a clean run. */
export function watchPage(page: Page) {
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A fetch the page itself cancelled (a navigation interrupting a background revalidation) is not
    // a failure of the server.
    if (r.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  return {
    problems,
    reset() {
      problems.length = 0;
    },
  };
}

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(path.join(ARTIFACTS, "screenshots"), { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, "screenshots", `${name}.png`), fullPage: true });
}

/** Navigates and waits until React has hydrated the page (so onChange/onClick handlers exist). */
export async function gotoHydrated(page: Page, url: string) {
  const res = await page.goto(url);
  await page.waitForSelector("html[data-hydrated=true]");
  return res;
}

export async function login(page: Page, baseUrl: string, email: string, password: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await Promise.all([page.waitForURL(/\/projects/), page.getByRole("button", { name: "Sign in" }).click()]);
}
