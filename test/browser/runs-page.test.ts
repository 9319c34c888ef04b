import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { openBrowser, shot } from "../helpers/browser-page.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * The Runs page in Debian's Chromium against Tern in this process: a customer talks the sandbox's
 * lead flow to a Lead; the run shows completed with the Lead's id in its timeline; a second
 * conversation waits at the name question and is ended from its page.
 */

interface RunItem {
  id: string;
  status: string;
  contactId: string;
}

let stack: Stack;
let browser: Browser;
let page: Page;

const runsOf = async (): Promise<RunItem[]> => {
  const res = await stack.http("GET", `/api/v1/runs?flowId=${stack.setup.flowId}`);
  return ((await res.json()) as { items: RunItem[] }).items;
};

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startStack(), openBrowser()]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("Runs in the browser", () => {
  let leadId = "";
  let completedRunId = "";
  let endedRunId = "";

  it("a customer talks the lead flow to a Lead", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315551181", "Ada");
    expect((await customer.say("Hi")).status).toBe(200);
    await customer.waitForReplies(1);
    expect((await customer.say("Ada Lovelace")).status).toBe(200);
    await customer.waitForReplies(2);
    expect((await customer.say("Analytical Engines Ltd")).status).toBe(200);
    await customer.waitForReplies(3);
    const leads = stack.sandbox.sf.records("Lead");
    expect(leads).toHaveLength(1);
    leadId = String(leads[0]?.Id);
    const run = await eventually(async () => (await runsOf()).find((r) => r.status === "completed"));
    completedRunId = run.id;
  });

  it("signs in, opens Runs from the header and sees the run completed", async () => {
    await page.goto(stack.tern.url);
    await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Flows" }).waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/runs");
    const row = page.locator(`tr[data-run-id="${completedRunId}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-label="Status"]').textContent()).toBe("completed");
    expect(await row.locator('td[data-label="Flow"]').textContent()).toBe("WhatsApp lead capture");
    expect(await row.locator('td[data-label="Version"]').textContent()).toBe(`v${stack.setup.flowVersion}`);
  });

  it("filters by status and by flow with labelled selects", async () => {
    await page.getByLabel("Status").selectOption("waiting");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No runs match.").waitFor();
    await page.getByLabel("Status").selectOption("completed");
    await page.getByLabel("Flow").selectOption(stack.setup.flowId);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator(`tr[data-run-id="${completedRunId}"]`).waitFor();
    // A start-time range the wrong way round is pointed out before anyone filters with it.
    await page.getByLabel("Started from").fill("2026-05-02T10:00");
    await page.getByLabel("Started before").fill("2026-05-01T10:00");
    await page.getByText('must be later than "Started from"').waitFor();
    expect(await page.getByLabel("Started before").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Started from").fill("");
    await page.getByLabel("Started before").fill("");
    expect(await page.getByText('must be later than "Started from"').count()).toBe(0);
    await shot(page, "runs");
  });

  it("opens the run: the timeline has every step and links the Lead from the Salesforce emulator", async () => {
    await page
      .locator(`tr[data-run-id="${completedRunId}"]`)
      .getByRole("link", { name: completedRunId })
      .click();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/runs/${completedRunId}`);
    expect(await page.getByTestId("run-status").textContent()).toBe("completed");
    // The flow and channel by name, not by id.
    await expect
      .poll(() => page.getByTestId("run-flow").textContent())
      .toMatch(/^WhatsApp lead capture v\d+$/);
    const channel = (await (await stack.http("GET", `/api/v1/channels/${stack.setup.channelId}`)).json()) as {
      name: string;
    };
    await expect.poll(() => page.getByTestId("run-channel").textContent()).toBe(channel.name);
    const steps = await page
      .locator(".timeline > li")
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-step-id")));
    expect(steps).toEqual(["ask_name", "ask_company", "create_lead", "confirm"]);
    const create = page.locator('.timeline > li[data-step-id="create_lead"]');
    const link = create.getByRole("link", { name: leadId });
    await link.waitFor();
    expect(await link.getAttribute("href")).toContain(leadId);
    // Output is collapsible JSON; opened with the keyboard.
    const output = create.locator("details").filter({ has: page.getByText("Output", { exact: true }) });
    expect(await output.getAttribute("open")).toBeNull();
    await output.locator("summary").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => output.getAttribute("open")).not.toBeNull();
    expect(await output.locator("pre").textContent()).toContain(leadId);
    // No End run or Retry for a completed run.
    expect(await page.getByRole("button", { name: "End run" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await shot(page, "run-timeline", true);
  });

  it("ends a waiting run from its page after confirming, and the status shows ended", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "447700900123", "Bob");
    expect((await customer.say("Hello")).status).toBe(200);
    await customer.waitForReplies(1);
    const waiting = await eventually(async () => (await runsOf()).find((r) => r.status === "waiting"));

    await page.goto(`${stack.tern.url}/runs`);
    await page.locator(`tr[data-run-id="${waiting.id}"]`).getByRole("link", { name: waiting.id }).click();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    expect(await page.getByTestId("run-status").textContent()).toBe("waiting");

    // Declining the confirmation leaves the run alone.
    page.once("dialog", (d) => void d.dismiss());
    await page.getByRole("button", { name: "End run" }).click();
    expect(await page.getByTestId("run-status").textContent()).toBe("waiting");

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "End run" }).click();
    await page.getByRole("status").filter({ hasText: "The run is ended." }).waitFor();
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("ended");
    expect(await page.getByRole("button", { name: "End run" }).count()).toBe(0);
    const after = (await (await stack.http("GET", `/api/v1/runs/${waiting.id}`)).json()) as RunItem;
    expect(after.status).toBe("ended");
    endedRunId = waiting.id;
  });

  it("shows an API error clearly: retrying a run that is not failed", async () => {
    // The Retry button shows only for failed runs; the API's refusal still reaches the page when
    // the run changed under it. Stand in for that: the page is told the ended run is failed, and
    // the real API refuses the retry.
    await page.route(`**/api/v1/runs/${endedRunId}`, async (route) => {
      const body = await (await route.fetch()).json();
      await route.fulfill({ json: { ...body, status: "failed" } });
    });
    await page.reload();
    await page.getByRole("button", { name: "Retry" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toBe(`Run ${endedRunId} is ended; only a failed run can be retried.`);
    await page.unroute(`**/api/v1/runs/${endedRunId}`);
  });

  it("pages with Load more: 25 runs, then the rest after the cursor, newest first", async () => {
    for (let i = 0; i < 25; i++) {
      const customer = createCustomer(
        stack.sandbox,
        stack.setup.webhookUrl,
        `4477009002${String(i).padStart(2, "0")}`,
      );
      expect((await customer.say("Hi")).status).toBe(200);
      await customer.waitForReplies(1);
    }
    await eventually(async () => (await runsOf()).length === 27);
    await page.goto(`${stack.tern.url}/runs`);
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(25);
    expect(await page.locator(`tr[data-run-id="${completedRunId}"]`).count()).toBe(0);
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => rows.count()).toBe(27);
    const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-run-id")));
    expect(ids.slice(-2)).toEqual([endedRunId, completedRunId]);
    expect(new Set(ids).size).toBe(27);
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
  });

  it("is readable on a phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack.tern.url}/runs/${completedRunId}`);
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    const overflows = () =>
      page.evaluate<boolean>("document.documentElement.scrollWidth > window.innerWidth");
    expect(await overflows()).toBe(false);
    await page.goto(`${stack.tern.url}/runs`);
    await page.locator("tbody tr").first().waitFor();
    expect(await overflows()).toBe(false);
    await shot(page, "runs-phone");
  });

  let failedRunId = "";

  it("a failed run shows the step it failed at, in the list and on its page, and the contact by name", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    // A flow whose second step fails every time: an address Tern refuses to call.
    const created = (await (
      await stack.http("POST", "/api/v1/flows", {
        schema: "tern.flow/v1",
        name: "Fails at mk",
        trigger: { type: "message", channels: ["whatsapp"], keywords: ["boom"] },
        steps: [
          { id: "hello", type: "send", text: "about to fail", next: "mk" },
          { id: "mk", type: "http", url: "http://127.0.0.1:1/x", retries: 0 },
        ],
      })
    ).json()) as { id: string };
    expect((await stack.http("POST", `/api/v1/flows/${created.id}/publish`, { version: 1 })).status).toBe(
      200,
    );
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315550177", "Grace");
    expect((await customer.say("boom")).status).toBe(200);
    const failed = await eventually(async () => {
      const res = await stack.http("GET", `/api/v1/runs?flowId=${created.id}&status=failed`);
      return ((await res.json()) as { items: RunItem[] }).items[0];
    });
    failedRunId = failed.id;

    await page.goto(`${stack.tern.url}/runs?status=failed`);
    const row = page.locator(`tr[data-run-id="${failed.id}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-label="Step"]').textContent()).toBe("mk");
    await row.getByRole("link", { name: failed.id }).click();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    expect(await page.getByText("Failed at step", { exact: true }).count()).toBe(1);
    expect(await page.getByTestId("run-step").textContent()).toBe("mk");
    await expect.poll(() => page.getByTestId("run-contact").textContent()).toBe("Grace");
    expect(await page.getByTestId("run-contact").getByRole("link").getAttribute("href")).toBe(
      `/contacts/${failed.contactId}`,
    );
  });

  it("retries a failed run and says what came of it, with the run shown as it is now", async () => {
    await page.goto(`${stack.tern.url}/runs/${failedRunId}`);
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    await page.getByRole("button", { name: "Retry" }).click();
    // Not the retry's own "running" of a moment: what the run came to.
    await page
      .getByRole("status")
      .filter({ hasText: "Retried step mk: it failed again (HTTP_ADDRESS_REFUSED). The error is below." })
      .waitFor();
    expect(await page.getByTestId("run-status").textContent()).toBe("failed");
    await page.getByRole("button", { name: "Retry" }).waitFor();
    await expect.poll(() => page.locator('.timeline > li[data-step-id="mk"]').count()).toBe(2);
  });
});
