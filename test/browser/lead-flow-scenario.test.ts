import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, shot, signIn } from "../helpers/browser-page.js";
import { type BuiltInSandboxStack, startBuiltInSandboxStack } from "../helpers/sandbox-stack.js";

/**
 * The whole scenario in one sitting, in Debian's Chromium against Tern as `npm start` runs
 * it with nothing configured (the built-in sandbox: WhatsApp simulator, Salesforce org emulator):
 * sign in; build the lead flow from a blank flow by clicking (ask name, ask company, create Lead,
 * confirm); see the org's "Company is required" problem on the create step before anything is
 * saved, fix it, save and publish version 1; talk to it in Try it beside the canvas, with the
 * current step highlighted on the canvas, and see the Lead id in the reply and in the run's
 * timeline; publish a changed version 2, then roll back to version 1 and see Try it answer as
 * version 1 again.
 */

let stack: BuiltInSandboxStack;
let browser: Browser;
let page: Page;

const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const panel = () => page.locator(".side-panel");
const field = (label: string) => panel().getByLabel(label, { exact: true });
const tryIt = () => page.locator("section.try-it");
const flowMessages = () => tryIt().getByTestId("flow-message");
const addStep = (title: string) =>
  page
    .locator(".palette")
    .getByRole("button", { name: new RegExp(`^${title} \\(`) })
    .click();
const flowIdFromUrl = () => /\/flows\/([^/]+)\/edit$/.exec(new URL(page.url()).pathname)?.[1] ?? "";
const isCurrent = async (id: string) =>
  (await node(id).getAttribute("class"))?.includes("is-current") ?? false;

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([
    startBuiltInSandboxStack(),
    openBrowser({ width: 1440, height: 900 }),
  ]);
  page.on("dialog", (dialog) => void dialog.accept());
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("build, check, publish, try and roll back the lead flow in the browser", () => {
  let flowId = "";
  let runId = "";
  let leadId = "";

  it("signs in", async () => {
    await signIn(page, stack.tern.url, stack.tern.dataDir.adminToken);
  });

  it("builds the lead flow from scratch by clicking", async () => {
    await page.getByRole("button", { name: "New flow" }).click();
    await page.getByRole("heading", { name: "New flow" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Lead by clicking");

    await addStep("Ask a question");
    await node("ask_1").waitFor();
    await field("text").fill("Hello! What's your name?");
    await field("save").fill("name");

    await addStep("Ask a question");
    await node("ask_2").waitFor();
    await field("text").fill("Which company are you with?");
    await field("save").fill("company");

    await addStep("Create Salesforce record");
    await node("salesforce_create_1").waitFor();
    await field("connection").fill("salesforce");
    await field("object").fill("Lead");
    await panel().getByRole("button", { name: "Add to fields" }).click();
    await panel().getByLabel("fields 1: name").fill("LastName");
    await panel().getByLabel("Insert a variable into fields LastName").selectOption("vars.name");
    await panel().getByRole("button", { name: "Add to fields" }).click();
    await panel().getByLabel("fields 2: name").fill("Phone");
    await panel().getByLabel("Insert a variable into fields Phone").selectOption("contact.phone");

    await addStep("Send message");
    await node("send_1").waitFor();
    await field("text").fill("Thanks {{ vars.name }}! Your reference is ");
    await panel().getByLabel("Insert a variable into text").selectOption("steps.salesforce_create_1.id");

    // Each step was added under the selected one and connected through its `next`.
    for (const edge of ["ask_1:next", "ask_2:next", "salesforce_create_1:next"]) {
      await page.locator(`.react-flow__edge[data-id="${edge}"]`).waitFor();
    }
  });

  it("shows the unmapped Company as a problem on the create step, before anything is saved", async () => {
    const badge = node("salesforce_create_1").getByTestId("problem-badge");
    await badge.waitFor();
    for (const id of ["ask_1", "ask_2", "send_1"]) {
      expect(await node(id).getByTestId("problem-badge").count(), id).toBe(0);
    }
    await node("salesforce_create_1").click();
    await expect.poll(() => panel().locator(".step-problems").textContent()).toContain("Company");
    // The org's describe names what the object needs, and offers it.
    await panel()
      .getByText(/required fields .*Company/)
      .waitFor();
    await shot(page, "scenario-company-problem");
    // Checked on the page's own copy: nothing is stored yet.
    const stored = (await (await stack.http("GET", "/api/v1/flows")).json()) as { items: { name: string }[] };
    expect(stored.items.map((f) => f.name)).not.toContain("Lead by clicking");
  });

  it("fixes it, saves version 1 and publishes it", async () => {
    await panel().getByRole("button", { name: "Map required field Company" }).click();
    await panel().getByLabel("Insert a variable into fields Company").selectOption("vars.company");
    await expect.poll(() => node("salesforce_create_1").getByTestId("problem-badge").count()).toBe(0);

    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/\/flows\/[^/]+\/edit$/);
    flowId = flowIdFromUrl();
    await page.getByRole("heading", { name: "Edit Lead by clicking" }).waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByTestId("editor-status").getByText("Version 1 is published.").waitFor();
    await expect.poll(() => page.getByTestId("flow-state").textContent()).toContain("published v1");
    const summary = (await (await stack.http("GET", `/api/v1/flows/${flowId}`)).json()) as {
      publishedVersion: number;
      latestVersion: number;
    };
    expect(summary).toMatchObject({ publishedVersion: 1, latestVersion: 1 });
  });

  it("talks to it in Try it beside the canvas: the current step is highlighted, the Lead id comes back", async () => {
    await page.getByRole("button", { name: "Try it" }).click();
    await tryIt().waitFor();
    expect(await tryIt().getByLabel("Channel").inputValue()).toBe("whatsapp");
    await tryIt().getByRole("button", { name: "Start" }).click();
    await flowMessages().filter({ hasText: "Hello! What's your name?" }).waitFor();
    await expect.poll(() => isCurrent("ask_1")).toBe(true);
    runId = (await tryIt().getByTestId("try-run-status").getByRole("link").textContent()) ?? "";
    expect(runId).toMatch(/^run_/);

    const box = tryIt().getByLabel("Message as the customer");
    await box.fill("Grace Hopper");
    await box.press("Enter");
    await flowMessages().filter({ hasText: "Which company are you with?" }).waitFor();
    await expect.poll(() => isCurrent("ask_2")).toBe(true);
    expect(await isCurrent("ask_1")).toBe(false);
    await shot(page, "scenario-try-it");

    await box.fill("Remington Rand");
    await box.press("Enter");
    const reply = flowMessages().filter({ hasText: "Your reference is" });
    await reply.waitFor();
    const lead = stack.sandbox.sandbox.sf.records("Lead").find((l) => l.Company === "Remington Rand");
    leadId = String(lead?.Id);
    expect(leadId).toMatch(/^00Q/);
    expect(lead).toMatchObject({ LastName: "Grace Hopper", Company: "Remington Rand" });
    expect(await reply.textContent()).toContain(`Thanks Grace Hopper! Your reference is ${leadId}`);
    // The run ended: no step is highlighted any more.
    await expect.poll(() => page.locator(".react-flow__node.is-current").count()).toBe(0);
  });

  it("shows the Lead id in the run's timeline", async () => {
    // The run link in the Try it panel opens the run's page.
    await tryIt().getByTestId("try-run-status").getByRole("link", { name: runId }).click();
    const runPage = page;
    await runPage.getByRole("heading", { name: "Timeline" }).waitFor();
    const create = runPage.locator('.timeline > li[data-step-id="salesforce_create_1"]');
    await create.getByRole("link", { name: leadId }).waitFor();
    expect(await runPage.getByTestId("run-status").textContent()).toBe("completed");
    await page.goto(`${stack.tern.url}/flows/${flowId}/edit`);
    await node("send_1").waitFor();
  });

  it("publishes a changed version 2, then rolls back to version 1", async () => {
    await node("send_1").click();
    await field("text").fill("Version two says thanks. Reference: {{ steps.salesforce_create_1.id }}");
    // Try it plays the saved version, and says so while the canvas has unsaved changes.
    if (!(await tryIt().isVisible())) await page.getByRole("button", { name: "Try it" }).click();
    await tryIt().getByTestId("try-unsaved").waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByTestId("editor-status").getByText("Version 2 is published.").waitFor();
    await expect.poll(() => tryIt().getByTestId("try-unsaved").count()).toBe(0);

    await page.getByRole("button", { name: "Versions" }).click();
    const versions = page.locator(".versions-panel");
    await versions.locator('li[data-version="2"]').waitFor();
    await versions.getByRole("button", { name: "Roll back to version 1" }).click();
    await page.getByTestId("editor-status").getByText("Version 1 is published.").waitFor();
    await expect.poll(() => page.getByTestId("flow-state").textContent()).toContain("published v1");
    await expect.poll(() => versions.locator('li[data-version="1"]').textContent()).toContain("Published");
    const summary = (await (await stack.http("GET", `/api/v1/flows/${flowId}`)).json()) as {
      publishedVersion: number;
      latestVersion: number;
    };
    expect(summary).toMatchObject({ publishedVersion: 1, latestVersion: 2 });
    await shot(page, "scenario-rolled-back");
  });

  it("new runs of the published flow answer as version 1 again", async () => {
    // A run the API starts uses the published version (Try it would run the chosen draft).
    const started = await stack.http("POST", `/api/v1/flows/${flowId}/runs`, {
      contact: { channel: "whatsapp", address: "4915112345678", name: "Ada" },
    });
    expect(started.status).toBe(202);
    const { runId: apiRun, flowVersion } = (await started.json()) as { runId: string; flowVersion: number };
    expect(flowVersion).toBe(1);
    await expect
      .poll(async () => {
        const res = await stack.http("GET", `/api/v1/runs/${apiRun}`);
        return res.ok ? ((await res.json()) as { flowVersion: number }).flowVersion : null;
      })
      .toBe(1);
  });
});
