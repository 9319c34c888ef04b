import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * The UI signs in through the real session routes (POST/GET/DELETE /api/v1/session): an
 * http-only `tern_session` cookie, a readable `tern_csrf` echoed in `x-tern-csrf` on unsafe
 * methods, and never the admin token on an API call or in the page's storage.
 */
let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
type ApiCall = { method: string; path: string; headers: Record<string, string> };
// Recorded in request order; a request's full headers come asynchronously, so each entry is a
// promise and `calls()` waits for all of them before a test looks.
const pending: Array<Promise<ApiCall>> = [];
const calls = () => Promise.all(pending);

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  context = await browser.newContext();
  page = await context.newPage();
  page.on("request", (req) => {
    const path = new URL(req.url()).pathname;
    if (path.startsWith("/api/v1/"))
      pending.push(req.allHeaders().then((headers) => ({ method: req.method(), path, headers })));
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the UI's session", () => {
  it("signs in with POST /api/v1/session: an http-only session cookie, no token kept in the page", async () => {
    await page.goto(stack.tern.url);
    await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Flows" }).waitFor();
    const cookies = await context.cookies(stack.tern.url);
    const session = cookies.find((c) => c.name === "tern_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(await page.evaluate<number>("sessionStorage.length + localStorage.length")).toBe(0);
    // Scripts cannot read the session cookie; the CSRF cookie is readable by design.
    const visible = await page.evaluate<string>("document.cookie");
    expect(visible).toMatch(/^tern_csrf=[^;]+$/);
    expect(visible).not.toContain(session?.value ?? "-");
    await page.locator(`tr[data-flow-id="${stack.setup.flowId}"]`).waitFor();
  });

  it("sends the session cookie and no bearer token, and x-tern-csrf on unsafe methods", async () => {
    await page.getByRole("button", { name: "New from template" }).click();
    await page
      .locator(".card", { hasText: "Viber support case" })
      .getByRole("button", { name: /Use/ })
      .click();
    await page.getByRole("heading", { name: "Viber support case" }).waitFor();
    const csrf = (await context.cookies(stack.tern.url)).find((c) => c.name === "tern_csrf")?.value;
    const apiCalls = await calls();
    const create = apiCalls.find((c) => c.method === "POST" && c.path === "/api/v1/flows");
    expect(create?.headers["x-tern-csrf"]).toBe(csrf);
    for (const call of apiCalls) {
      expect(call.headers.authorization, `${call.method} ${call.path}`).toBeUndefined();
    }
    const signedIn = apiCalls.filter((c) => c.path !== "/api/v1/session");
    for (const call of signedIn) expect(call.headers.cookie, call.path).toContain("tern_session=");
    expect(apiCalls.filter((c) => c.method === "GET").every((c) => !c.headers["x-tern-csrf"])).toBe(true);
  });

  it("signs out with DELETE /api/v1/session: the old cookie no longer opens the API", async () => {
    const old = (await context.cookies(stack.tern.url)).find((c) => c.name === "tern_session")?.value;
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
    const signOut = (await calls()).find((c) => c.path === "/api/v1/session" && c.method === "DELETE");
    expect(signOut?.headers["x-tern-csrf"]).toBeTruthy();
    const replay = await fetch(`${stack.tern.url}/api/v1/flows`, {
      headers: { cookie: `tern_session=${old}` },
    });
    expect(replay.status).toBe(401);
    await page.goto(`${stack.tern.url}/flows`);
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
  });
});
