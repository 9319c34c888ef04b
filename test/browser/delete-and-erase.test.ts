import type { Browser, Dialog, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { openBrowser, signIn } from "../helpers/browser-page.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * What the API can remove, the UI can too, each after a confirm that says what happens: a flow is
 * unpublished and deleted from its page (a refused delete shows the API's reason), and a contact
 * is erased from theirs (erased at once, or queued as PostgreSQL answers 202).
 */
let stack: Stack;
let browser: Browser;
let page: Page;
let contactId = "";
/** What the next dialog is answered; every dialog's message is kept. */
let answer: "accept" | "dismiss" = "accept";
const dialogs: string[] = [];

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startStack(), openBrowser()]);
  page.on("dialog", (dialog: Dialog) => {
    dialogs.push(dialog.message());
    void (answer === "accept" ? dialog.accept() : dialog.dismiss());
  });
  // A customer starts a run of the sandbox's lead flow: that flow has history, and a contact.
  const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315551190", "Ada");
  await customer.say("Hi");
  await customer.waitForReplies(1);
  const run = await eventually(async () => {
    const res = await stack.http("GET", `/api/v1/runs?flowId=${stack.setup.flowId}`);
    return ((await res.json()) as { items: Array<{ contactId: string }> }).items[0];
  });
  contactId = run.contactId;
  await signIn(page, stack.tern.url, stack.tern.dataDir.adminToken);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const status = () => page.getByRole("status").filter({ hasNotText: /^$/ });

describe("deleting and erasing in the browser", () => {
  it("unpublishes a published flow after saying what happens; a published flow cannot be deleted", async () => {
    const created = (await (
      await stack.http("POST", "/api/v1/flows", {
        schema: "tern.flow/v1",
        name: "Short-lived",
        trigger: { type: "message", channels: ["whatsapp"], keywords: ["shortlived"] },
        steps: [{ id: "hi", type: "send", text: "Hello" }],
      })
    ).json()) as { id: string };
    expect((await stack.http("POST", `/api/v1/flows/${created.id}/publish`, { version: 1 })).status).toBe(
      200,
    );
    await page.goto(`${stack.tern.url}/flows/${created.id}`);
    await page.getByRole("heading", { name: "Short-lived", level: 1 }).waitFor();
    const remove = page.getByRole("button", { name: "Delete flow" });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByText("A published flow cannot be deleted: unpublish it first.").waitFor();

    answer = "dismiss";
    await page.getByRole("button", { name: "Unpublish" }).click();
    expect(dialogs.at(-1)).toMatch(/New conversations no longer start on it; runs already started go on/);
    expect(
      (
        (await (await stack.http("GET", `/api/v1/flows/${created.id}`)).json()) as {
          publishedVersion: unknown;
        }
      ).publishedVersion,
    ).toBe(1);

    answer = "accept";
    await page.getByRole("button", { name: "Unpublish" }).click();
    await status().getByText('"Short-lived" is unpublished: no new conversations start on it.').waitFor();
    await page.locator(".page-head .badge.draft").waitFor();
    expect(await page.getByRole("button", { name: "Unpublish" }).count()).toBe(0);

    await remove.click();
    expect(dialogs.at(-1)).toMatch(/^Delete "Short-lived" with all its 1 version\? This cannot be undone/);
    await status().getByText('"Short-lived" is deleted with all its versions.').waitFor();
    expect((await stack.http("GET", `/api/v1/flows/${created.id}`)).status).toBe(404);
    await page.getByRole("link", { name: "← Flows" }).click();
    await page.getByRole("heading", { name: "Flows", level: 1 }).waitFor();
    expect(await page.getByRole("link", { name: "Short-lived" }).count()).toBe(0);
  });

  it("a flow with runs in its history is unpublished but not deleted: the API's reason is shown", async () => {
    await page.goto(`${stack.tern.url}/flows/${stack.setup.flowId}`);
    await page.getByRole("button", { name: "Unpublish" }).click();
    await status()
      .getByText(/is unpublished: no new conversations start on it\. 1 started run goes on\./)
      .waitFor();
    await page.getByRole("button", { name: "Delete flow" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/has 1 run\(s\) in its history/);
    expect((await stack.http("GET", `/api/v1/flows/${stack.setup.flowId}`)).status).toBe(200);
  });

  it("a queued erasure (PostgreSQL's 202) says so in the API's words and keeps the contact shown", async () => {
    await page.route(`**/api/v1/contacts/${contactId}`, (route) =>
      route.request().method() === "DELETE"
        ? route.fulfill({
            status: 202,
            contentType: "application/json",
            body: JSON.stringify({
              status: "queued",
              message:
                "The erasure is queued in the conversation's turn and completes when a worker runs it.",
            }),
          })
        : route.continue(),
    );
    try {
      await page.goto(`${stack.tern.url}/contacts/${contactId}`);
      await page.getByRole("heading", { name: "Identities" }).waitFor();
      await page.getByRole("button", { name: "Erase contact" }).click();
      await status()
        .getByText(
          /^Not erased yet: The erasure is queued in the conversation's turn .* Until then Ada stays readable here\.$/,
        )
        .waitFor();
      expect(await page.getByRole("heading", { name: "Identities" }).isVisible()).toBe(true);
      expect(await page.getByRole("button", { name: "Erase contact" }).count()).toBe(0);
    } finally {
      await page.unroute(`**/api/v1/contacts/${contactId}`);
    }
  });

  it("erases a contact after saying what goes and what stays", async () => {
    await page.goto(`${stack.tern.url}/contacts/${contactId}`);
    await page.getByRole("heading", { name: "Identities" }).waitFor();
    answer = "dismiss";
    await page.getByRole("button", { name: "Erase contact" }).click();
    expect(dialogs.at(-1)).toMatch(
      /^Erase Ada\? Tern deletes them for good: every identity, message, run .* Records in Salesforce stay/,
    );
    expect((await stack.http("GET", `/api/v1/contacts/${contactId}`)).status).toBe(200);

    answer = "accept";
    await page.getByRole("button", { name: "Erase contact" }).click();
    await status().getByText("Ada is erased.").waitFor();
    expect((await stack.http("GET", `/api/v1/contacts/${contactId}`)).status).toBe(404);
    expect(await page.getByRole("heading", { name: "Identities" }).count()).toBe(0);
  });
});
