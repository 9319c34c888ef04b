import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser } from "../helpers/browser-page.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * A sign-in returns to the page named in `?next=` only when it is a path of this app: a crafted
 * link whose `next` the browser reads as another site (`/\evil.example`, a tab after the slash)
 * lands on the flows list, never on a blank page (history.replaceState to another origin throws).
 */
let stack: Stack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startStack(), openBrowser()]);
  page.on("pageerror", (error) => pageErrors.push(error.message));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const signInFrom = async (next: string) => {
  pageErrors.length = 0;
  await page.context().clearCookies();
  await page.goto(`${stack.tern.url}/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
};

describe("the page a sign-in returns to", () => {
  for (const next of ["/\\evil.example/x", "/\t/evil.example", "//evil.example", "https://evil.example/"]) {
    it(`goes to the flows for next=${JSON.stringify(next)}, and a reload shows them again`, async () => {
      await signInFrom(next);
      await page.getByRole("heading", { name: "Flows", level: 1 }).waitFor();
      const url = new URL(page.url());
      expect(url.origin).toBe(stack.tern.url);
      expect(url.pathname).toBe("/flows");
      await page.reload();
      await page.getByRole("heading", { name: "Flows", level: 1 }).waitFor();
      expect(pageErrors).toEqual([]);
    });
  }

  it("still returns to a page of this app, with its query", async () => {
    await signInFrom("/runs?status=failed");
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe("/runs?status=failed");
  });
});
