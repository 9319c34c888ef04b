import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { packageRoot } from "../../src/core/paths.js";
import { launchChromium } from "./chromium.js";

/** What every browser test starts with: the built UI, Debian's Chromium, one page, a sign-in. */

/**
 * `npm run screenshots` (TERN_UPDATE_SCREENSHOTS=1) saves them to docs/screenshots, which the
 * README and web/README.md show; a plain `npm test` to a temporary folder, so that running the
 * tests leaves the checkout as it was (every run renders new ids and times).
 */
export const SCREENSHOTS = process.env.TERN_UPDATE_SCREENSHOTS
  ? path.join(packageRoot(), "docs", "screenshots")
  : path.join(tmpdir(), "tern-screenshots");

/** Saves <name>.png to SCREENSHOTS. */
export const shot = (page: Page, name: string, fullPage = false) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });

/** Chromium with one page of this size; the UI must be built (`npm test` builds it in pretest). */
export async function openBrowser(
  viewport = { width: 1280, height: 800 },
): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(path.join(packageRoot(), "dist", "web", "index.html"))) {
    throw new Error("dist/web is missing: run `npm run build` (npm test runs it in pretest)");
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  // 20 s: a whole suite on two cores once kept Chromium from drawing a renamed step's edge for
  // more than 10 s (the same test passes in seconds alone); vitest's 30 s per test still bounds it.
  page.setDefaultTimeout(20_000);
  return { browser, page };
}

/** Signs in through the sign-in page with the admin token and waits for the flows list. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Flows" }).waitFor();
}
