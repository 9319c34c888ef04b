import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { startTelegramSimulator } from "../../src/sandbox/telegram/index.js";
import { openBrowser, shot } from "../helpers/browser-page.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Connections and Channels in Debian's Chromium against Tern in this process with the sandbox:
 * a WhatsApp channel is added through the form generated from its schema and its webhook URL
 * answers Meta's handshake with the verify token the page showed; the sandbox connection is
 * tested (API usage shown); a new Salesforce connection is added, connected through the OAuth
 * flow in the browser (the emulator approves at once), disconnected and deleted.
 */

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startStack(), openBrowser()]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const api = async <T>(apiPath: string): Promise<T> => (await (await stack.http("GET", apiPath)).json()) as T;

describe("Connections and channels in the browser", () => {
  it("signs in and opens Channels from the header: the sandbox channel with its webhook URL", async () => {
    await page.goto(stack.tern.url);
    await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Flows" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Channels" }).click();
    await page.getByRole("heading", { name: "Channels", level: 1 }).waitFor();
    const card = page.locator(`li[data-channel-id="${stack.setup.channelId}"]`);
    expect(await card.getByLabel("Webhook URL of whatsapp").inputValue()).toBe(stack.setup.webhookUrl);
    await card.getByText("Verify token: set").waitFor();
  });

  it("adds a WhatsApp channel through the generated form; its webhook answers the verify token shown", async () => {
    await page.getByRole("button", { name: "Add channel" }).click();
    const form = page.getByRole("form", { name: "Add a channel" });
    await form.getByLabel("Type").selectOption("whatsapp");
    await form.getByLabel("Name", { exact: true }).fill("support-wa");
    await form.getByLabel("Phone number id").fill("109876543210");
    const secret = form.getByLabel("Access token");
    expect(await secret.getAttribute("type")).toBe("password");
    await secret.fill("EAAG-test-token");
    await form.getByLabel("App secret").fill("app-secret-for-test");
    // A verify token is generated for the person (they may change it).
    const generated = await form.getByLabel("Verify token").inputValue();
    expect(generated.length).toBeGreaterThanOrEqual(30);
    // Fields with defaults are folded under "More settings".
    expect(await form.getByLabel("Api version").isVisible()).toBe(false);
    await form.getByRole("button", { name: "Add channel" }).click();

    await page.getByRole("heading", { name: "Paste these into the provider's console" }).waitFor();
    const webhookUrl = await page.getByTestId("new-webhook-url").inputValue();
    expect(webhookUrl).toMatch(new RegExp(`^${stack.tern.url}/webhooks/ch_[A-Za-z0-9_-]+$`));
    expect(await page.getByTestId("new-verify-token").inputValue()).toBe(generated);
    await page.getByRole("status").filter({ hasText: 'The channel "support-wa" is added.' }).waitFor();
    await shot(page, "channels");

    const channels = await api<{ items: Array<{ name: string; webhookUrl: string; config: unknown }> }>(
      "/api/v1/channels",
    );
    const created = channels.items.find((c) => c.name === "support-wa");
    expect(created?.webhookUrl).toBe(webhookUrl);
    expect(created?.config).toMatchObject({ phoneNumberId: "109876543210" });
    // Meta's subscription handshake with the token from the page: the challenge comes back.
    const handshake = await fetch(
      `${webhookUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(generated)}&hub.challenge=4242`,
    );
    expect(handshake.status).toBe(200);
    expect(await handshake.text()).toBe("4242");
    const wrong = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(wrong.status).toBe(403);
  });

  it("renders the form of every channel type, each required field labelled", async () => {
    const types = await api<{
      items: Array<{ type: string; title: string; configSchema: { required?: string[] } }>;
    }>("/api/v1/channel-types");
    await page.getByRole("button", { name: "Add channel" }).click();
    const form = page.getByRole("form", { name: "Add a channel" });
    for (const type of types.items) {
      await form.getByLabel("Type").selectOption(type.type);
      for (const key of type.configSchema.required ?? []) {
        const field = form.locator(`[id$="-${type.type}-${key}"]`);
        expect(await field.count(), `${type.type}.${key}`).toBe(1);
        // Labelled: a <label for>, or a fieldset's legend for a nested object.
        const isLabelled = await field.evaluate((el) => {
          const labels = (el as unknown as { labels?: ArrayLike<unknown> | null }).labels;
          return Boolean(labels?.length) || el.tagName === "FIELDSET";
        });
        expect(isLabelled, `${type.type}.${key} has a label`).toBeTruthy();
      }
    }
    await form.getByRole("button", { name: "Cancel" }).click();
    expect(await form.count()).toBe(0);
  });

  it("adds a Telegram channel: Tern registers its webhook at the provider and says so; again on demand", async () => {
    const telegram = await startTelegramSimulator();
    try {
      await page.getByRole("button", { name: "Add channel" }).click();
      const form = page.getByRole("form", { name: "Add a channel" });
      await form.getByLabel("Type").selectOption("telegram");
      await form.getByLabel("Name", { exact: true }).fill("support-tg");
      await form.getByLabel("Bot token").fill(telegram.config.botToken);
      // Telegram's secret_token is generated like a verify token.
      const secretToken = await form.getByLabel("Secret token").inputValue();
      expect(secretToken).toMatch(/^[A-Za-z0-9_-]{30,}$/);
      await form.getByText("More settings").click();
      await form.getByLabel("Api base url").fill(telegram.url);
      await form.getByRole("button", { name: "Add channel" }).click();
      await page.getByText("Setup at the provider:").waitFor();
      const webhookUrl = await page.getByTestId("new-webhook-url").inputValue();
      expect(telegram.webhook).toMatchObject({ url: webhookUrl, secretToken });

      const card = page.locator("li.card").filter({ has: page.getByRole("heading", { name: /support-tg/ }) });
      telegram.failNext(1, { status: 401, description: "Unauthorized" });
      await card.getByRole("button", { name: "Register webhook again" }).click();
      await page.getByRole("alert").filter({ hasText: "support-tg:" }).waitFor();
      await card.getByRole("button", { name: "Register webhook again" }).click();
      await page.getByRole("status").filter({ hasText: "support-tg:" }).waitFor();
      expect(await page.getByRole("alert").count()).toBe(0);
    } finally {
      await telegram.close();
    }
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete support-tg" }).click();
    await page.getByRole("status").filter({ hasText: 'The channel "support-tg" is deleted.' }).waitFor();
  });

  it("shows a channel's recent deliveries once a customer wrote", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315550199", "Ada");
    await customer.say("Hi");
    await customer.waitForReplies(1);
    await page.reload();
    const card = page.locator(`li[data-channel-id="${stack.setup.channelId}"]`);
    await card.getByText("Recent deliveries and errors").click();
    const rows = card.locator("table.deliveries tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.locator('td[data-label="Direction"]').allTextContents()).toEqual(["sent", "received"]);
    await card.getByText("None: every delivery was read.").waitFor();
  });

  it("edits a channel (secrets kept) and deletes it after confirming", async () => {
    const card = page.locator("li.card").filter({ has: page.getByRole("heading", { name: /support-wa/ }) });
    await card.getByRole("button", { name: "Edit support-wa" }).click();
    const edit = page.getByRole("form", { name: "Edit support-wa" });
    await edit.getByLabel("Phone number id").fill("109876543299");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: 'The channel "support-wa" is saved.' }).waitFor();
    const channels = await api<{
      items: Array<{ name: string; config: Record<string, unknown>; secrets: Record<string, string> }>;
    }>("/api/v1/channels");
    const saved = channels.items.find((c) => c.name === "support-wa");
    expect(saved?.config).toMatchObject({ phoneNumberId: "109876543299" });
    expect(saved?.secrets).toEqual({ accessToken: "set", appSecret: "set", verifyToken: "set" });

    page.once("dialog", (d) => void d.dismiss());
    await card.getByRole("button", { name: "Delete support-wa" }).click();
    expect(await card.count()).toBe(1);
    page.once("dialog", (d) => void d.accept());
    await card.getByRole("button", { name: "Delete support-wa" }).click();
    await page.getByRole("status").filter({ hasText: 'The channel "support-wa" is deleted.' }).waitFor();
    await expect.poll(() => card.count()).toBe(0);
  });

  it("tests the sandbox connection and shows the org's API usage", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
    await page.getByRole("heading", { name: "Connections", level: 1 }).waitFor();
    const card = page.locator(`li[data-connection-id="${stack.setup.connectionId}"]`);
    await card.getByText("Connected", { exact: true }).waitFor();
    await card.getByRole("button", { name: "Test" }).click();
    await page.getByRole("status").filter({ hasText: '"salesforce" works: signed in as' }).waitFor();
    const usage = await card.getByTestId("api-usage").textContent();
    expect(usage).toMatch(/^[\d,]+ of [\d,]+ daily API requests used$/);
    await shot(page, "connections");
  });

  it("adds a Salesforce connection, connects it through OAuth in the browser, disconnects and deletes it", async () => {
    const creds = stack.sandbox.sf.credentials;
    await page.getByRole("button", { name: "Add connection" }).click();
    const form = page.getByRole("form", { name: "Add a connection" });
    await form.getByLabel("Type").selectOption("salesforce");
    await form.getByLabel("Name", { exact: true }).fill("sf-browser");
    await form.getByLabel("Client id").fill(creds.clientId);
    await form.getByLabel("Client secret").fill(creds.clientSecret);
    await form.getByText("More settings").click();
    await form.getByLabel("Login url").fill(creds.loginUrl);
    await form.getByRole("button", { name: "Add connection" }).click();
    await page.getByRole("status").filter({ hasText: '"sf-browser" is added. Connect it' }).waitFor();

    const card = page.locator("li.card").filter({ has: page.getByRole("heading", { name: /sf-browser/ }) });
    await card.getByText("Not connected").waitFor();
    await card.getByRole("button", { name: "Connect" }).click();
    // Emulator's authorize page approves at once → Tern's callback → back to the Connections page.
    await page.waitForURL(`${stack.tern.url}/connections`);
    await page.getByRole("status").filter({ hasText: 'Connected: "sf-browser" is authorized' }).waitFor();
    await card.getByText("Connected", { exact: true }).waitFor();
    const list = await api<{ items: Array<{ name: string; isConnected: boolean }> }>("/api/v1/connections");
    expect(list.items.find((c) => c.name === "sf-browser")?.isConnected).toBe(true);

    page.once("dialog", (d) => void d.accept());
    await card.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("status").filter({ hasText: '"sf-browser" is disconnected' }).waitFor();
    await card.getByText("Not connected").waitFor();
    // A crafted link cannot put its own words on the page.
    await page.goto(
      `${stack.tern.url}/connections?connected=${encodeURIComponent("Your account is locked, call +1 555")}`,
    );
    await card.waitFor();
    expect(await page.getByText("Your account is locked").count()).toBe(0);

    page.once("dialog", (d) => void d.accept());
    await card.getByRole("button", { name: "Delete sf-browser" }).click();
    await page.getByRole("status").filter({ hasText: '"sf-browser" is deleted.' }).waitFor();
    await expect.poll(() => card.count()).toBe(0);
    await eventually(async () => {
      const after = await api<{ items: Array<{ name: string }> }>("/api/v1/connections");
      return after.items.every((c) => c.name !== "sf-browser");
    });
  });

  it("a Test Salesforce refuses turns the card to 'Reconnect required' with the reason, without a reload", async () => {
    const creds = stack.sandbox.sf.credentials;
    // A pasted refresh token the org no longer honours: "Connected" until something asks Salesforce.
    const created = await stack.http("POST", "/api/v1/connections", {
      type: "salesforce",
      name: "sf-revoked",
      config: {
        loginUrl: creds.loginUrl,
        clientId: creds.clientId,
        clientSecret: creds.clientSecret,
        refreshToken: "5Aep861.revoked-refresh-token",
      },
    });
    expect(created.status).toBe(201);
    await page.goto(`${stack.tern.url}/connections`);
    const card = page.locator("li.card").filter({ has: page.getByRole("heading", { name: /sf-revoked/ }) });
    await card.getByText("Connected", { exact: true }).waitFor();
    await card.getByRole("button", { name: "Test" }).click();
    await page
      .locator("p.error")
      .filter({ hasText: "Salesforce refused the refresh token" })
      .first()
      .waitFor();
    // The card's own line says why, in red as every error: a card's muted paragraph style greyed it out.
    const refused = card.locator("p.error").filter({ hasText: "Salesforce refused the refresh token" });
    await refused.waitFor();
    // The element's color against the theme's --err, in the page.
    const colors = await refused.evaluate((el) => {
      const doc = el.ownerDocument;
      const view = doc.defaultView as unknown as { getComputedStyle(e: unknown): { color: string } };
      const probe = doc.createElement("span");
      probe.style.color = "var(--err)";
      el.append(probe);
      const expected = view.getComputedStyle(probe).color;
      probe.remove();
      return { actual: view.getComputedStyle(el).color, expected };
    });
    expect(colors.actual).toBe(colors.expected);
    await card.getByText("Reconnect required").waitFor();
    expect(await card.getByText("Connected", { exact: true }).count()).toBe(0);

    page.once("dialog", (d) => void d.accept());
    await card.getByRole("button", { name: "Delete sf-revoked" }).click();
    await expect.poll(() => card.count()).toBe(0);
  });

  it("adds an HTTP API connection: the form follows the auth variant chosen", async () => {
    await page.getByRole("button", { name: "Add connection" }).click();
    const form = page.getByRole("form", { name: "Add a connection" });
    await form.getByLabel("Type").selectOption("http");
    await form.getByLabel("Name", { exact: true }).fill("crm-api");
    // The first variant (bearer) asks for a token; basic asks for a username and a password.
    expect(await form.getByLabel("Auth").inputValue()).toBe("bearer");
    await form.getByLabel("Token").waitFor();
    await form.getByLabel("Auth").selectOption("basic");
    expect(await form.getByLabel("Token").count()).toBe(0);
    await form.getByLabel("Base url").fill("https://crm.example.com/api");
    await form.getByLabel("Username").fill("tern");
    expect(await form.getByLabel("Password").getAttribute("type")).toBe("password");
    await form.getByLabel("Password").fill("s3cret");
    await form.getByRole("button", { name: "Add connection" }).click();
    await page.getByRole("status").filter({ hasText: '"crm-api" is added.' }).waitFor();
    const list = await api<{
      items: Array<{ name: string; config: Record<string, unknown>; secrets: Record<string, string> }>;
    }>("/api/v1/connections");
    const created = list.items.find((c) => c.name === "crm-api");
    expect(created?.config).toEqual({
      auth: "basic",
      baseUrl: "https://crm.example.com/api",
      username: "tern",
    });
    expect(created?.secrets).toEqual({ password: "set" });

    // Edit: the stored password is kept when its input is left empty (the base URL unchanged).
    const card = page.locator("li.card").filter({ has: page.getByRole("heading", { name: /crm-api/ }) });
    await card.getByRole("button", { name: "Edit crm-api" }).click();
    const edit = page.getByRole("form", { name: "Edit crm-api" });
    expect(await edit.getByLabel("Base url").inputValue()).toBe("https://crm.example.com/api");
    await edit.getByText("Set; leave empty to keep it.").waitFor();
    expect(await edit.getByLabel("Password").inputValue()).toBe("");
    // Moving the base URL would take the stored password to the new host: it is asked again.
    await edit.getByLabel("Base url").fill("https://crm.example.com/v2");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await edit.getByRole("alert").filter({ hasText: "send password again in the same request" }).waitFor();
    await edit.getByLabel("Password").fill("s3cret");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: '"crm-api" is saved.' }).waitFor();
    const after = await api<{
      items: Array<{ name: string; config: Record<string, unknown>; secrets: Record<string, string> }>;
    }>("/api/v1/connections");
    const saved = after.items.find((c) => c.name === "crm-api");
    expect(saved?.config).toEqual({ auth: "basic", baseUrl: "https://crm.example.com/v2", username: "tern" });
    expect(saved?.secrets).toEqual({ password: "set" });
  });

  it("is readable on a phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const where of ["/connections", "/channels"]) {
      await page.goto(`${stack.tern.url}${where}`);
      await page.locator("li.card").first().waitFor();
      expect(await page.evaluate<boolean>("document.documentElement.scrollWidth > window.innerWidth")).toBe(
        false,
      );
    }
  });
});
