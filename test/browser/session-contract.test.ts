import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * The UI against the session contract (POST/GET/DELETE /api/v1/session, http-only `tern_session`,
 * readable `tern_csrf` echoed in `x-tern-csrf` on unsafe methods). The session routes are built
 * on another branch; until they land, the browser's network layer stands in for them here, and
 * every other API call is checked for the cookie contract, then passed on to the real Tern with
 * the admin token (which is what the real session would resolve to).
 */
let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const apiCalls: Array<{ method: string; path: string; headers: Record<string, string> }> = [];
const sessionCalls: Array<{ method: string; csrf?: string; body?: unknown }> = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  context = await browser.newContext();
  page = await context.newPage();
  const origin = stack.tern.url;
  const cookie = (name: string, value: string, httpOnly: boolean) => ({
    name,
    value,
    url: origin,
    httpOnly,
    sameSite: "Strict" as const,
  });
  // Playwright tries the last registered route first: the session stand-in goes after this one.
  await page.route(`${origin}/api/v1/**`, async (route) => {
    const req: Request = route.request();
    const headers = await req.allHeaders();
    apiCalls.push({ method: req.method(), path: new URL(req.url()).pathname, headers });
    await route.continue({
      headers: { ...headers, authorization: `Bearer ${stack.tern.dataDir.adminToken}` },
    });
  });
  await page.route(`${origin}/api/v1/session`, async (route) => {
    const req = route.request();
    const hasSession = (await req.allHeaders()).cookie?.includes("tern_session=s1") ?? false;
    sessionCalls.push({ method: req.method(), csrf: req.headers()["x-tern-csrf"], body: req.postDataJSON() });
    if (req.method() === "POST") {
      const { token } = req.postDataJSON() as { token: string };
      if (token !== stack.tern.dataDir.adminToken) {
        return route.fulfill({
          status: 401,
          json: { error: { code: "UNAUTHORIZED", message: "Wrong token" } },
        });
      }
      await context.addCookies([cookie("tern_session", "s1", true), cookie("tern_csrf", "c1", false)]);
      return route.fulfill({ status: 204 });
    }
    if (req.method() === "DELETE") {
      if (req.headers()["x-tern-csrf"] !== "c1") return route.fulfill({ status: 403, json: {} });
      await context.clearCookies();
      return route.fulfill({ status: 204 });
    }
    return hasSession
      ? route.fulfill({ status: 200, json: { signedIn: true } })
      : route.fulfill({ status: 401, json: { error: { code: "UNAUTHORIZED", message: "Sign in" } } });
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the UI's side of the session contract", () => {
  it("signs in with POST /api/v1/session and keeps no token in the page", async () => {
    await page.goto(stack.tern.url);
    await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Flows" }).waitFor();
    expect(sessionCalls.find((c) => c.method === "POST")?.body).toEqual({
      token: stack.tern.dataDir.adminToken,
    });
    expect(await page.evaluate<number>("sessionStorage.length")).toBe(0);
    // Scripts cannot read the session cookie; the CSRF cookie is readable by design.
    expect(await page.evaluate<string>("document.cookie")).toBe("tern_csrf=c1");
    await page.locator(`tr[data-flow-id="${stack.setup.flowId}"]`).waitFor();
  });

  it("sends the session cookie and no bearer token, and x-tern-csrf on unsafe methods", async () => {
    await page.getByRole("button", { name: "New from template" }).click();
    await page
      .locator(".card", { hasText: "Viber support case" })
      .getByRole("button", { name: /Use/ })
      .click();
    await page.getByRole("heading", { name: "Viber support case" }).waitFor();
    const create = apiCalls.find((c) => c.method === "POST" && c.path === "/api/v1/flows");
    expect(create?.headers["x-tern-csrf"]).toBe("c1");
    for (const call of apiCalls) {
      expect(call.headers.authorization, `${call.method} ${call.path}`).toBeUndefined();
      expect(call.headers.cookie, `${call.method} ${call.path}`).toContain("tern_session=s1");
    }
    expect(apiCalls.filter((c) => c.method === "GET").every((c) => !c.headers["x-tern-csrf"])).toBe(true);
  });

  it("signs out with DELETE /api/v1/session carrying the CSRF token", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
    expect(sessionCalls.at(-1)).toMatchObject({ method: "DELETE", csrf: "c1" });
    await page.goto(`${stack.tern.url}/flows`);
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
  });
});
