import type { Browser, Dialog, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, signIn } from "../helpers/browser-page.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Unsaved work in the editor survives what the app itself does: leaving by a link or Back asks
 * first, and a session that ends while editing puts a sign-in dialog over the page instead of
 * replacing it. A sign-in from the sign-in page returns to the page that needed it. A channel's or
 * a connection's form with changes asks as the editor does.
 */
let stack: Stack;
let browser: Browser;
let page: Page;
/** What the next dialog is answered; every dialog's message is kept. */
let answer: "accept" | "dismiss" = "dismiss";
const dialogs: string[] = [];

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startStack(), openBrowser()]);
  page.on("dialog", (dialog: Dialog) => {
    dialogs.push(dialog.message());
    void (answer === "accept" ? dialog.accept() : dialog.dismiss());
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const name = () => page.getByLabel("Name", { exact: true });
const path = () => new URL(page.url()).pathname;

describe("unsaved work in the browser", () => {
  it("asks before a link or Back leaves an editor with unsaved changes, and stays when told to", async () => {
    await signIn(page, stack.tern.url, stack.tern.dataDir.adminToken);
    await page.getByRole("button", { name: "New flow" }).click();
    await page.getByRole("heading", { name: "New flow" }).waitFor();
    await name().fill("Unsaved draft");

    answer = "dismiss";
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    expect(dialogs.at(-1)).toMatch(/not saved/);
    expect(path()).toBe("/flows/new");
    expect(await name().inputValue()).toBe("Unsaved draft");

    const asked = dialogs.length;
    await page.goBack();
    await expect.poll(() => dialogs.length).toBe(asked + 1);
    await expect.poll(path).toBe("/flows/new");
    expect(await name().inputValue()).toBe("Unsaved draft");
  });

  it("a session that ends while editing asks to sign in over the page, which keeps the draft", async () => {
    // The check of the last edit must be done first: were it still pending, it would meet the 401
    // before the edit below and the dialog would already cover the field.
    await expect.poll(() => page.getByTestId("editor-status").textContent()).toMatch(/problems?\.$/);
    await page.context().clearCookies();
    // The next check of the draft meets the 401.
    await name().fill("Unsaved draft, still here");
    const dialog = page.getByRole("dialog", { name: "Your session ended" });
    await dialog.waitFor();
    await dialog.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await dialog.getByRole("button", { name: "Sign in" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(path()).toBe("/flows/new");
    expect(await name().inputValue()).toBe("Unsaved draft, still here");

    answer = "accept";
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await expect.poll(path).toBe("/runs");
  });

  it("a sign-in on the sign-in page returns to the page that asked for it", async () => {
    await page.context().clearCookies();
    await page.goto(`${stack.tern.url}/contacts`);
    await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    expect(new URL(page.url()).searchParams.get("next")).toBe("/contacts");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Contacts" }).waitFor();
    expect(path()).toBe("/contacts");
    // The navigation and the tab say where one is.
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Contacts" }).getAttribute("aria-current")).toBe("page");
    expect(await nav.getByRole("link", { name: "Runs" }).getAttribute("aria-current")).toBeNull();
    expect(await page.title()).toBe("Contacts · Tern");
  });

  it("a page the ended session refused loads once signed in again, and says so in plain words meanwhile", async () => {
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Runs" }).click();
    await page.getByText("No runs match.").waitFor();
    await page.context().clearCookies();
    await nav.getByRole("link", { name: "Contacts" }).click();
    const dialog = page.getByRole("dialog", { name: "Your session ended" });
    await dialog.waitFor();
    // Not the API's words for API clients ("send `Authorization: Bearer …`").
    await expect
      .poll(() => page.getByRole("alert").first().textContent())
      .toBe("Your session ended: sign in again, then try again.");
    await dialog.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await dialog.getByRole("button", { name: "Sign in" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("No contacts match.").waitFor();
    expect(await page.getByRole("alert").count()).toBe(0);
    await expect.poll(() => page.getByLabel("Channel").locator("option").count()).toBe(2);
  });

  it("the session dialog keeps the keyboard while open and gives it back where it was", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    const filter = page.getByRole("button", { name: "Filter" });
    await page.getByText("No runs match.").waitFor();
    await page.context().clearCookies();
    await filter.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Your session ended" });
    await dialog.waitFor();
    const focusedInDialog = () =>
      page.evaluate<boolean>(`Boolean(document.activeElement?.closest('[role="dialog"]'))`);
    await expect.poll(focusedInDialog).toBe(true);
    // Shift+Tab from the token field does not reach the page under the dialog.
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate<string>("document.activeElement?.textContent ?? ''")).not.toBe("Filter");
    await dialog.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await dialog.getByRole("button", { name: "Sign in" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect
      .poll(() => page.evaluate<string>("document.activeElement?.textContent ?? ''"))
      .toBe("Filter");
  });

  it("asks before leaving a channel's edit form or a connection's add form with changes; the tab asks too", async () => {
    answer = "dismiss";
    const nav = page.getByRole("navigation", { name: "Main" });
    /** Whether closing or reloading the tab would ask (the page's beforeunload listener). */
    const tabAsks = () =>
      page.evaluate<boolean>(
        `(() => { const e = new Event("beforeunload", { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented; })()`,
      );
    await nav.getByRole("link", { name: "Channels" }).click();
    await page.getByRole("heading", { name: "Channels", level: 1 }).waitFor();
    await page
      .getByRole("button", { name: /^Edit / })
      .first()
      .click();
    const edit = page.getByRole("form", { name: /^Edit / });
    expect(await tabAsks()).toBe(false);
    await edit.getByLabel("Name", { exact: true }).fill("renamed, not saved");
    expect(await tabAsks()).toBe(true);
    const asked = dialogs.length;
    await nav.getByRole("link", { name: "Runs" }).click();
    expect(dialogs.length).toBe(asked + 1);
    expect(dialogs.at(-1)).toMatch(/channel has changes that are not saved/);
    expect(path()).toBe("/channels");
    expect(await edit.getByLabel("Name", { exact: true }).inputValue()).toBe("renamed, not saved");
    // Cancel is the person's own choice to drop them: leaving then asks nothing.
    await edit.getByRole("button", { name: "Cancel" }).click();
    expect(await tabAsks()).toBe(false);
    await nav.getByRole("link", { name: "Connections" }).click();
    await page.getByRole("heading", { name: "Connections", level: 1 }).waitFor();
    expect(dialogs.length).toBe(asked + 1);

    // A new connection with a secret half typed (its name still empty).
    await page.getByRole("button", { name: "Add connection" }).click();
    const add = page.getByRole("form", { name: "Add a connection" });
    await add.getByLabel("Type").selectOption("salesforce");
    expect(await tabAsks()).toBe(false);
    await add.getByLabel("Client secret").fill("half-typ");
    expect(await tabAsks()).toBe(true);
    await nav.getByRole("link", { name: "Flows" }).click();
    expect(dialogs.length).toBe(asked + 2);
    expect(dialogs.at(-1)).toMatch(/connection is not added yet/);
    expect(path()).toBe("/connections");
    expect(await add.getByLabel("Client secret").inputValue()).toBe("half-typ");

    answer = "accept";
    await nav.getByRole("link", { name: "Flows" }).click();
    await expect.poll(path).toBe("/flows");
    expect(await tabAsks()).toBe(false);
  });

  it("a save that cannot reach Tern says so, in place of fetch's 'Failed to fetch', and keeps the changes", async () => {
    answer = "accept";
    await page.goto(`${stack.tern.url}/flows/${stack.setup.flowId}/edit`);
    await name().fill("Renamed while Tern is away");
    // The save (PUT) meets no server: fetch rejects as it does when Tern is down.
    const flowUrl = `**/api/v1/flows/${stack.setup.flowId}`;
    await page.route(flowUrl, (route) =>
      route.request().method() === "PUT" ? route.abort("internetdisconnected") : route.continue(),
    );
    try {
      await page.getByRole("button", { name: "Save draft" }).click();
      await expect
        .poll(() => page.getByRole("alert").textContent())
        .toBe(
          "Tern can't be reached (the network or Tern is down): your changes are still here. Try again once it is back.",
        );
      expect(await name().inputValue()).toBe("Renamed while Tern is away");
    } finally {
      await page.unroute(flowUrl);
    }
  });

  it("a save refused because the session ended: signing in again over the editor clears that message", async () => {
    answer = "accept";
    await page.goto(`${stack.tern.url}/flows/${stack.setup.flowId}/edit`);
    await name().fill("Renamed while Tern is away");
    await expect.poll(() => page.getByTestId("editor-status").textContent()).toMatch(/problems?\.$/);
    await page.context().clearCookies();
    await page.getByRole("button", { name: "Save draft" }).click();
    const dialog = page.getByRole("dialog", { name: "Your session ended" });
    await dialog.waitFor();
    await dialog.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await dialog.getByRole("button", { name: "Sign in" }).click();
    await dialog.waitFor({ state: "detached" });
    // Signed in again: "sign in again, then try again" is done with.
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await name().inputValue()).toBe("Renamed while Tern is away");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page
      .getByTestId("editor-status")
      .getByText(/Saved as version \d+/)
      .waitFor();
  });
});
