import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { openBrowser, shot } from "../helpers/browser-page.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Contacts and the runs filters in Debian's Chromium against Tern in this process: a customer
 * talks the sandbox's lead flow to a Lead; their contact page shows the WhatsApp identity, a tag
 * added and removed, the Lead linked from the run, the run, and the conversation; the runs page
 * filters by contact (from a link), channel and start time, and a run shows its messages.
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

interface RunItem {
  id: string;
  status: string;
  contactId: string;
}

describe("Contacts and runs filters in the browser", () => {
  let run: RunItem;
  let leadId = "";

  it("a customer talks the lead flow to a Lead", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315551181", "Ada");
    for (const [i, text] of ["Hi", "Ada Lovelace", "Analytical Engines Ltd"].entries()) {
      expect((await customer.say(text)).status).toBe(200);
      await customer.waitForReplies(i + 1);
    }
    leadId = String(stack.sandbox.sf.records("Lead")[0]?.Id);
    run = await eventually(async () => {
      const res = await stack.http("GET", `/api/v1/runs?flowId=${stack.setup.flowId}`);
      return ((await res.json()) as { items: RunItem[] }).items.find((r) => r.status === "completed");
    });
  });

  it("signs in, lists contacts and opens the customer's page: identity, Lead and run", async () => {
    await page.goto(stack.tern.url);
    await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Flows" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Contacts" }).click();
    await page.getByRole("heading", { name: "Contacts", level: 1 }).waitFor();
    const row = page.locator(`tr[data-contact-id="${run.contactId}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-label="Channels"]').textContent()).toBe("whatsapp");
    await shot(page, "contacts");

    await row.getByRole("link").click();
    await page.getByRole("heading", { name: "Identities" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/contacts/${run.contactId}`);
    const identity = page.locator("table.identities tbody tr");
    expect(await identity.locator('td[data-label="Channel"]').textContent()).toBe("whatsapp");
    expect(await identity.locator('td[data-label="Address"]').textContent()).toBe("16315551181");
    const lead = page.locator("ul.records").getByRole("link", { name: leadId });
    await lead.waitFor();
    expect(await lead.getAttribute("href")).toContain(leadId);
    await page.locator(`ul.contact-runs li[data-run-id="${run.id}"]`).getByText("completed").waitFor();
    const conversation = page.getByRole("list", { name: "Messages on whatsapp" });
    await conversation.getByText("Analytical Engines Ltd").waitFor();
    expect(await conversation.locator('li[data-direction="out"]').count()).toBe(3);
  });

  it("adds and removes a tag; the API has it", async () => {
    const tagsOf = async () =>
      ((await (await stack.http("GET", `/api/v1/contacts/${run.contactId}`)).json()) as { tags: string[] })
        .tags;
    await page.getByLabel("New tag").fill("vip");
    await page.getByRole("button", { name: "Add tag" }).click();
    await page.getByRole("status").filter({ hasText: 'Tag "vip" added.' }).waitFor();
    await page.getByRole("list", { name: "Tags" }).getByText("vip").waitFor();
    expect(await tagsOf()).toEqual(["vip"]);
    await shot(page, "contact", true);

    await page.getByLabel("New tag").fill("no spaces allowed");
    await page.getByRole("button", { name: "Add tag" }).click();
    await page.getByRole("alert").waitFor();
    expect(await tagsOf()).toEqual(["vip"]);
    // The refused tag stays in the field, to be corrected rather than typed again.
    expect(await page.getByLabel("New tag").inputValue()).toBe("no spaces allowed");
    // Only spaces: said at once, in place of the refusal above (which was about another tag).
    await page.getByLabel("New tag").fill("   ");
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toBe("Type a tag first: letters, digits and _ . : - / (no spaces), e.g. vip or lead:hot.");

    await page.getByRole("button", { name: "Remove tag vip" }).click();
    await page.getByRole("status").filter({ hasText: 'Tag "vip" removed.' }).waitFor();
    expect(await tagsOf()).toEqual([]);
  });

  it("follows 'All runs of this contact' to the runs page filtered by contact (in the URL)", async () => {
    await page.getByRole("link", { name: "All runs of this contact" }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    const url = new URL(page.url());
    expect(url.pathname).toBe("/runs");
    expect(url.searchParams.get("contactId")).toBe(run.contactId);
    expect(await page.getByLabel("Contact id").inputValue()).toBe(run.contactId);
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await page.locator(`tr[data-run-id="${run.id}"]`).waitFor();
  });

  it("filters runs by channel and start time, kept in the URL", async () => {
    await page.getByLabel("Contact id").fill("");
    await page.getByLabel("Channel").selectOption(stack.setup.channelId);
    await page.getByLabel("Started before").fill("2020-01-01T00:00");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No runs match.").waitFor();
    const url = new URL(page.url());
    expect(url.searchParams.get("channelId")).toBe(stack.setup.channelId);
    expect(Date.parse(url.searchParams.get("until") ?? "")).toBe(new Date("2020-01-01T00:00").getTime());

    await page.getByLabel("Started before").fill("");
    await page.getByLabel("Started from").fill("2020-01-01T00:00");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator(`tr[data-run-id="${run.id}"]`).waitFor();

    // The link is shareable: the same filters on a fresh load.
    await page.reload();
    // The select shows the channel once the channel list has loaded.
    await expect.poll(() => page.getByLabel("Channel").inputValue()).toBe(stack.setup.channelId);
    await page.locator(`tr[data-run-id="${run.id}"]`).waitFor();
  });

  it("shows the run's messages in and out beside its timeline", async () => {
    await page.locator(`tr[data-run-id="${run.id}"]`).getByRole("link", { name: run.id }).click();
    const messages = page.getByRole("list", { name: "Messages in and out of this run" });
    await messages.waitFor();
    const texts = await messages.locator("li .message-text").allTextContents();
    expect(texts.filter((_, i) => i % 2 === 0)).toEqual(["Hi", "Ada Lovelace", "Analytical Engines Ltd"]);
    expect(texts.at(-1)).toContain(leadId);
    expect(await messages.locator('li[data-direction="out"]').count()).toBe(3);
  });

  it("is readable on a phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const where of ["/contacts", `/contacts/${run.contactId}`, `/runs/${run.id}`]) {
      await page.goto(`${stack.tern.url}${where}`);
      await page.locator("h1").waitFor();
      await page.waitForLoadState("networkidle");
      expect(await page.evaluate<boolean>("document.documentElement.scrollWidth > window.innerWidth")).toBe(
        false,
      );
    }
  });

  it("a double click on 'Load more' adds the next page of contacts once", async () => {
    const contactCount = async () =>
      ((await (await stack.http("GET", "/api/v1/contacts?limit=100")).json()) as { items: unknown[] }).items
        .length;
    for (let i = 0; i < 55; i++) {
      const phone = `1631555${String(2000 + i)}`;
      const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, phone, `Customer ${i}`);
      expect((await customer.say("Hi")).status).toBe(200);
    }
    const total = await eventually(async () => ((await contactCount()) >= 56 ? contactCount() : 0));
    await page.goto(`${stack.tern.url}/contacts`);
    await expect.poll(() => page.locator("tr[data-contact-id]").count()).toBe(50);
    await page.getByRole("button", { name: "Load more" }).dblclick();
    await expect.poll(() => page.locator("tr[data-contact-id]").count()).toBeGreaterThanOrEqual(total);
    await page.waitForLoadState("networkidle");
    const rows = await page.locator("tr[data-contact-id]").all();
    const ids = await Promise.all(rows.map((row) => row.getAttribute("data-contact-id")));
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
  });
  it("'Load more' after someone new wrote adds the next contacts, none twice (found by an OpenAPI audit)", async () => {
    await page.goto(`${stack.tern.url}/contacts`);
    await expect.poll(() => page.locator("tr[data-contact-id]").count()).toBe(50);
    const before = await page.locator("tr[data-contact-id]").count();
    const listed = async () =>
      ((await (await stack.http("GET", "/api/v1/contacts?limit=500")).json()) as { items: unknown[] }).items
        .length;
    const total = await listed();
    // A new contact (the newest, at the top of the list) while the first page is on screen.
    const newcomer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315553999", "Newcomer");
    expect((await newcomer.say("Hi")).status).toBe(200);
    await eventually(async () => (await listed()) === total + 1);
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => page.locator("tr[data-contact-id]").count()).toBeGreaterThan(before);
    await page.waitForLoadState("networkidle");
    const rows = await page.locator("tr[data-contact-id]").all();
    const ids = await Promise.all(rows.map((row) => row.getAttribute("data-contact-id")));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(total);
  });

  it("a 'Load more' answered after the filter changed is dropped, not added to the filtered list", async () => {
    await page.goto(`${stack.tern.url}/contacts`);
    await expect.poll(() => page.locator("tr[data-contact-id]").count()).toBe(50);
    // Hold the next page's answer until the filter has changed and its own list is shown.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/api\/v1\/contacts\?.*cursor=/, async (route) => {
      await held;
      await route.continue();
    });
    const late = page.waitForResponse(/\/api\/v1\/contacts\?.*cursor=/);
    await page.getByRole("button", { name: "Load more" }).click();
    await page.getByLabel("Tag").fill("nobody-has-this");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No contacts match.").waitFor();
    release();
    await late;
    await page.waitForLoadState("networkidle");
    expect(await page.locator("tr[data-contact-id]").count()).toBe(0);
    expect(await page.getByText("No contacts match.").isVisible()).toBe(true);
    await page.unrouteAll();
  });
});
