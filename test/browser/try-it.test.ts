import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, SCREENSHOTS, shot, signIn } from "../helpers/browser-page.js";
import { type BuiltInSandboxStack, startBuiltInSandboxStack } from "../helpers/sandbox-stack.js";

/**
 * Try it in Debian's Chromium against Tern as `npm start` runs it with nothing configured (the
 * built-in sandbox on): the sandbox's lead flow talked to a Lead by typing, the Lead id in the
 * reply and in the run's timeline; a menu flow's WhatsApp reply buttons clicked; the panel on a
 * phone; and the reason shown when the sandbox is off.
 */

let stack: BuiltInSandboxStack;
let browser: Browser;
let page: Page;

const panel = () => page.locator("section.try-it");
const flowMessages = () => panel().getByTestId("flow-message");
const signInAs = (p: Page) => signIn(p, stack.tern.url, stack.tern.dataDir.adminToken);

/** A flow whose first step is a menu of three (WhatsApp reply buttons), created through the API. */
const menuFlow = {
  schema: "tern.flow/v1",
  name: "Help menu",
  trigger: { type: "message", channels: ["whatsapp"], keywords: ["help"] },
  start: "pick",
  steps: [
    {
      id: "pick",
      type: "menu",
      text: "What can we help with?",
      save: "topic",
      choices: [
        { id: "sales", title: "Sales", next: "sales_reply" },
        { id: "support", title: "Support", next: "support_reply" },
        { id: "billing", title: "Billing", next: "sales_reply" },
      ],
    },
    { id: "sales_reply", type: "send", text: "Sales will call you." },
    {
      id: "support_reply",
      type: "ask",
      text: "Sorry to hear it. What went wrong?",
      save: "problem",
      expect: "text",
      next: "thanks",
    },
    { id: "thanks", type: "send", text: "Thanks, we are on it." },
  ],
};

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startBuiltInSandboxStack(), openBrowser()]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("Try it in the browser", () => {
  let runId = "";
  let leadId = "";

  it("opens Try it from the flow's page and talks the lead flow to a Lead by typing", async () => {
    await signInAs(page);
    await page.goto(`${stack.tern.url}/flows/${stack.flowId}`);
    await page.getByRole("link", { name: "Try it" }).click();
    await page.getByRole("heading", { name: "Try it" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/flows/${stack.flowId}/try`);
    expect(await page.getByLabel("Channel").inputValue()).toBe("whatsapp");
    // Nothing to type into before a run starts.
    expect(await page.getByLabel("Message as the customer").count()).toBe(0);

    await page.getByRole("button", { name: "Start" }).click();
    await flowMessages().filter({ hasText: "What's your name?" }).waitFor();
    await expect.poll(() => panel().getByTestId("try-step").textContent()).toBe("ask_name");
    const runLink = panel().getByTestId("try-run-status").getByRole("link");
    runId = (await runLink.textContent()) ?? "";
    expect(runId).toMatch(/^run_/);

    // Enter sends.
    const box = page.getByLabel("Message as the customer");
    await box.fill("Ada Lovelace");
    await box.press("Enter");
    await flowMessages().filter({ hasText: "Thanks Ada Lovelace! Which company are you with?" }).waitFor();
    await expect.poll(() => panel().getByTestId("try-step").textContent()).toBe("ask_company");
    // The page marks the step onStep reported in the flow's step list.
    const current = page.getByRole("list", { name: "Steps of the flow" }).locator('[aria-current="step"]');
    await expect.poll(() => current.getAttribute("data-step-id")).toBe("ask_company");
    const customerBubble = panel().locator(".bubble.customer").filter({ hasText: "Ada Lovelace" });
    await customerBubble.waitFor();
    expect(await panel().locator("table.vars").textContent()).toContain("Ada Lovelace");

    await box.fill("Analytical Engines Ltd");
    await page.getByRole("button", { name: "Send" }).click();
    const reply = flowMessages().filter({ hasText: "Your reference is" });
    await reply.waitFor();
    const leads = stack.sandbox.sandbox.sf.records("Lead");
    leadId = String(leads.find((l) => l.Company === "Analytical Engines Ltd")?.Id);
    expect(leadId).toMatch(/^00Q/);
    // The id in the reply is marked as a Salesforce record; the run's record is listed and linked.
    expect(await reply.locator("mark.sf-id").textContent()).toBe(leadId);
    await panel().getByRole("link", { name: leadId }).waitFor();
    await expect.poll(() => panel().locator(".badge").first().textContent()).toBe("completed");
    expect(await panel().getByTestId("try-step").count()).toBe(0);
    await expect.poll(() => current.count()).toBe(0);
    expect(await page.getByLabel("Message as the customer").isDisabled()).toBe(true);
    // Customer on the right, flow on the left.
    const flowBox = await reply.boundingBox();
    const customerBox = await customerBubble.boundingBox();
    expect(customerBox && flowBox && customerBox.x > flowBox.x).toBe(true);
    await shot(page, "try-it");
  });

  it("the run link opens the run's page with the Lead id in its timeline", async () => {
    await panel().getByTestId("try-run-status").getByRole("link", { name: runId }).click();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/runs/${runId}`);
    const create = page.locator('.timeline > li[data-step-id="create_lead"]');
    await create.getByRole("link", { name: leadId }).waitFor();
    expect(await page.getByTestId("run-status").textContent()).toBe("completed");
  });

  it("a menu on WhatsApp shows reply buttons under the bubble; clicking one takes its branch", async () => {
    const created = await stack.http("POST", "/api/v1/flows", menuFlow);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await page.goto(`${stack.tern.url}/flows/${id}/try`);
    await page.getByRole("button", { name: "Start" }).click();
    const question = flowMessages().filter({ hasText: "What can we help with?" });
    await question.waitFor();
    const buttons = question.getByRole("group", { name: "Reply buttons" }).getByRole("button");
    await expect.poll(() => buttons.allTextContents()).toEqual(["Sales", "Support", "Billing"]);
    await expect.poll(() => panel().getByTestId("try-step").textContent()).toBe("pick");

    await question.getByRole("button", { name: "Support" }).click();
    await flowMessages().filter({ hasText: "What went wrong?" }).waitFor();
    await expect.poll(() => panel().getByTestId("try-step").textContent()).toBe("support_reply");
    // The answered question's buttons no longer take a tap.
    expect(await question.getByRole("button", { name: "Sales" }).isDisabled()).toBe(true);
    expect(await panel().locator("table.vars").textContent()).toContain("support");
    // The flow was created, never published: Try it runs the draft.
    expect(await page.getByText("(a draft; nothing is published)").count()).toBe(1);

    // Restart on the same channel: the same customer, a new run replacing the waiting one, and a
    // conversation that starts again.
    const firstRun = await panel().getByTestId("try-run-status").getByRole("link").textContent();
    await page.getByRole("button", { name: "Restart" }).click();
    await expect
      .poll(() => panel().getByTestId("try-run-status").getByRole("link").textContent())
      .not.toBe(firstRun);
    await expect.poll(() => flowMessages().count()).toBe(1);
    expect(await flowMessages().first().textContent()).toContain("What can we help with?");
    const old = await (await stack.http("GET", `/api/v1/runs/${firstRun}`)).json();
    expect((old as { status: string }).status).toBe("ended");
  });

  it("draws the same menu as Telegram's inline keyboard, and as numbered text without buttons on SMS", async () => {
    const runStatus = panel().getByTestId("try-run-status");
    await page.getByLabel("Channel").selectOption("telegram");
    await page.getByRole("button", { name: "Restart" }).click();
    // The new run's conversation replaces the old one once the start is answered.
    await expect.poll(() => runStatus.textContent()).toContain("on Telegram");
    const onTelegram = flowMessages().filter({ hasText: "What can we help with?" });
    const keyboard = onTelegram.getByRole("group", { name: "Inline keyboard" });
    await keyboard.waitFor();
    expect(await keyboard.getByRole("button").allTextContents()).toEqual(["Sales", "Support", "Billing"]);
    await keyboard.getByRole("button", { name: "Sales" }).click();
    await flowMessages().filter({ hasText: "Sales will call you." }).waitFor();

    await page.getByLabel("Channel").selectOption("twilio");
    await page.getByRole("button", { name: "Restart" }).click();
    await expect.poll(() => runStatus.textContent()).toContain("on SMS (Twilio)");
    const onSms = flowMessages().filter({ hasText: "What can we help with?" });
    await onSms.waitFor();
    expect(await flowMessages().count()).toBe(1);
    expect(await onSms.textContent()).toContain("1. Sales");
    expect(await onSms.getByRole("button").count()).toBe(0);
    const box = page.getByLabel("Message as the customer");
    await box.fill("2");
    await box.press("Enter");
    await flowMessages().filter({ hasText: "What went wrong?" }).waitFor();
  });

  it("a message the sandbox refuses (too long) stays in the field with the reason, past the next reads", async () => {
    const box = page.getByLabel("Message as the customer");
    const tooLong = `It broke: ${"x".repeat(4100)}`;
    await box.fill(tooLong);
    await box.press("Enter");
    await panel().getByRole("alert").waitFor();
    // The conversation is read every 500 ms meanwhile; the reason is still there after a few reads.
    await page.waitForTimeout(1500);
    expect(await panel().getByRole("alert").textContent()).toMatch(/4096/);
    expect(await box.inputValue()).toBe(tooLong);
    await box.fill("It broke.");
    await box.press("Enter");
    await flowMessages().filter({ hasText: "Thanks, we are on it." }).waitFor();
    expect(await panel().getByRole("alert").count()).toBe(0);
  });

  it("reads on a phone (390x844)", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.setDefaultTimeout(10_000);
    try {
      await signInAs(phone);
      await phone.goto(`${stack.tern.url}/flows/${stack.flowId}/try`);
      await phone.getByRole("button", { name: "Start" }).click();
      const box = phone.getByLabel("Message as the customer");
      await phone.locator(".bubble.flow").filter({ hasText: "What's your name?" }).waitFor();
      await box.fill("Grace Hopper");
      await box.press("Enter");
      await phone.locator(".bubble.flow").filter({ hasText: "Which company" }).waitFor();
      // Nothing wider than the screen.
      const width = await phone.evaluate<number>("document.documentElement.scrollWidth");
      expect(width).toBeLessThanOrEqual(390);
      await phone.screenshot({ path: path.join(SCREENSHOTS, "try-it-phone.png") });
    } finally {
      await phone.close();
    }
  });

  it("adding a channel of one's own first says the sandbox will step aside; cancelling keeps the sandbox and adds nothing", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${stack.tern.url}/channels`);
    await page.getByRole("button", { name: "Add channel" }).click();
    const form = page.getByRole("form", { name: "Add a channel" });
    await form.getByLabel("Type").selectOption("telegram");
    await form.getByLabel("Name", { exact: true }).fill("my-bot");
    await form.getByLabel("Bot token").fill("123456:ABC-my-own-bot");
    const messages: string[] = [];
    page.once("dialog", (dialog) => {
      messages.push(dialog.message());
      void dialog.dismiss();
    });
    await form.getByRole("button", { name: "Add channel" }).click();
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toMatch(/retires the built-in sandbox/);
    // What brings it back (README): not deleting one's own and a restart, but TERN_SANDBOX=on.
    expect(messages[0]).toMatch(
      /stays off, also once yours are deleted: only a restart of Tern with TERN_SANDBOX=on/,
    );
    const channels = (await (
      await fetch(`${stack.tern.url}/api/v1/channels`, {
        headers: { authorization: `Bearer ${stack.tern.dataDir.adminToken}` },
      })
    ).json()) as { items: Array<{ name: string }> };
    expect(channels.items.map((c) => c.name)).not.toContain("my-bot");
    const sandbox = (await (
      await fetch(`${stack.tern.url}/api/v1/sandbox`, {
        headers: { authorization: `Bearer ${stack.tern.dataDir.adminToken}` },
      })
    ).json()) as { isOn: boolean };
    expect(sandbox.isOn).toBe(true);
  });

  it("says why when the sandbox is off and offers nothing to click", async () => {
    await stack.sandbox.stepAside();
    await page.goto(`${stack.tern.url}/flows/${stack.flowId}/try`);
    const off = panel().getByRole("status");
    await off.waitFor();
    expect(await off.textContent()).toContain("the sandbox is off");
    expect(await off.textContent()).toMatch(/not running|stepped aside/);
    expect(await panel().getByRole("button").count()).toBe(0);
    expect(await panel().locator("select, input").count()).toBe(0);
    // Nothing on the page says the sandbox plays the customer.
    expect(await page.getByText("played by the built-in sandbox").count()).toBe(0);
  });

  it("once a channel of one's own retired it, says when in the reader's time and what brings it back", async () => {
    const created = await fetch(`${stack.tern.url}/api/v1/channels`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${stack.tern.dataDir.adminToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        type: "whatsapp",
        name: "own-wa",
        config: {
          phoneNumberId: "109876543210",
          accessToken: "EAAG-test",
          appSecret: "app-secret",
          verifyToken: "verify-token-of-mine",
        },
      }),
    });
    expect(created.status).toBe(201);
    await page.goto(`${stack.tern.url}/flows/${stack.flowId}/try`);
    const off = panel().getByRole("status");
    await off.waitFor();
    const text = (await off.textContent()) ?? "";
    expect(text).toMatch(
      /the sandbox is off: it stepped aside on \d{1,2}\/\d{1,2}\/\d{4}, .* for a channel or connection of yours/,
    );
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(text).toMatch(/restart Tern with TERN_SANDBOX=on\.$/);
    expect(await page.getByText("played by the built-in sandbox").count()).toBe(0);
  });
});
