import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, SCREENSHOTS } from "../helpers/browser-page.js";
import { startBareTern } from "../helpers/in-process.js";

/**
 * Sign-in with TERN_ADMIN_USER / TERN_ADMIN_PASSWORD in Debian's Chromium: the page offers user
 * and password because GET /api/v1/session says the server has them, keeps the admin token as
 * the other way in, says what went wrong (wrong password; too many attempts: wait), signs out.
 */
const user = "ops";
const password = `pw-${randomBytes(12).toString("hex")}`;

let tern: Awaited<ReturnType<typeof startBareTern>>;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [tern, { browser, page }] = await Promise.all([
    startBareTern({ TERN_ADMIN_USER: user, TERN_ADMIN_PASSWORD: password }),
    openBrowser(),
  ]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await tern?.close();
});

const alert = () => page.getByRole("alert");
// The radio button is labelled "Admin token" too: this is the field.
const tokenField = () => page.getByLabel("Admin token").and(page.locator('input[type="password"]'));
const signInButton = () => page.getByRole("button", { name: "Sign in", exact: true });

async function fillPassword(name: string, secret: string) {
  await page.getByLabel("User", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill(secret);
  await signInButton().click();
}

describe("sign-in with a user and password", () => {
  it("offers user and password first, and the admin token as the other way in", async () => {
    await page.goto(tern.tern.url);
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
    const group = page.getByRole("group", { name: "Sign in with" });
    expect(await group.getByRole("radio", { name: "User and password" }).isChecked()).toBe(true);
    expect(await tokenField().count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, "sign-in-password.png") });
    await group.getByRole("radio", { name: "Admin token" }).check();
    await tokenField().waitFor();
    expect(await page.getByLabel("Password", { exact: true }).count()).toBe(0);
    await group.getByRole("radio", { name: "User and password" }).check();
  });

  it("says the password is wrong and stays on the sign-in page", async () => {
    await fillPassword(user, `${password}!`);
    await alert().waitFor();
    expect(await alert().textContent()).toBe("Wrong user or password.");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    // Typing again clears the message.
    await page.getByLabel("Password", { exact: true }).fill(password);
    expect(await alert().count()).toBe(0);
  });

  it("signs in with the right user and password, then signs out", async () => {
    await fillPassword(user, password);
    await page.getByRole("heading", { name: "Flows" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/flows");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
    // The old session is gone on the server too.
    const cookies = await page.context().cookies(tern.tern.url);
    expect(cookies.find((c) => c.name === "tern_session")).toBeUndefined();
    await page.getByLabel("User", { exact: true }).waitFor();
    await page.goto(`${tern.tern.url}/runs`);
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
  });

  it("still signs in with the admin token, and returns to the page that asked (Runs)", async () => {
    await page.getByRole("radio", { name: "Admin token" }).check();
    await tokenField().fill(tern.tern.dataDir.adminToken);
    await signInButton().click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/runs");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Tern" }).waitFor();
  });

  it("after too many wrong passwords says to wait, even for the right one", async () => {
    let text = "";
    for (let i = 0; i < 8 && !/try again/.test(text); i++) {
      await fillPassword(user, `wrong-${i}`);
      await alert().waitFor();
      text = (await alert().textContent()) ?? "";
      // Typing the next attempt clears the message; wait until the button works again.
      await expect.poll(() => signInButton().isEnabled()).toBe(true);
    }
    expect(text).toMatch(
      /^Too many failed sign-ins or wrong tokens from this address; try again in \d+ s\.$/,
    );
    await fillPassword(user, password);
    await alert().waitFor();
    expect(await alert().textContent()).toMatch(/try again in \d+ s/);
    expect(await page.getByRole("heading", { name: "Flows" }).count()).toBe(0);
  });
});
