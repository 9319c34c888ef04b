import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, shot } from "../helpers/browser-page.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * The flow editor in Debian's Chromium against Tern in this process (sandbox Salesforce org,
 * connection "salesforce"): the lead flow is built from a blank flow by clicking and dragging,
 * the Salesforce step shows the org's "Company is required" problem until Company is mapped,
 * the flow is published, positions survive a reload, undo/redo and delete work.
 */

let stack: Stack;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const panel = () => page.locator(".side-panel");
const field = (label: string) => panel().getByLabel(label, { exact: true });
const centre = async (locator: Locator) => {
  const box = await locator.boundingBox();
  if (!box) throw new Error("element is not on screen");
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
};
const drag = async (from: Locator, to: { x: number; y: number }) => {
  const start = await centre(from);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x + 5, start.y + 5, { steps: 2 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
};
const addStep = (title: string) =>
  page
    .locator(".palette")
    .getByRole("button", { name: new RegExp(`^${title} \\(`) })
    .click();
/** A stored version as exported (without a version the export gives the published one). */
const exported = async (flowId: string, version: number) => {
  const res = await stack.http("GET", `/api/v1/flows/${flowId}/export?version=${version}`);
  return (await res.json()) as {
    trigger: Record<string, unknown>;
    steps: Array<Record<string, unknown>>;
    layout?: { steps: Record<string, { x: number; y: number }> };
  };
};
const flowIdFromUrl = () => /\/flows\/([^/]+)\/edit$/.exec(new URL(page.url()).pathname)?.[1] ?? "";

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startStack(), openBrowser()]);
  // The canvas must work under the page's Content-Security-Policy (no inline <style> or script).
  // Reloading with unsaved edits asks first (beforeunload): the tests mean to leave.
  page.on("dialog", (dialog) => void dialog.accept());
  page.on("console", (message) => {
    // API answers such as 401 (before sign-in), 404 (no describe route) and 422 (refused publish)
    // are expected; a CSP refusal or a React error is not.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      consoleErrors.push(message.text());
    }
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the flow editor in the browser", () => {
  let flowId = "";

  it("signs in and opens a blank flow from New flow", async () => {
    await page.goto(stack.tern.url);
    await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Flows" }).waitFor();
    await page.getByRole("button", { name: "New flow" }).click();
    await page.getByRole("heading", { name: "New flow" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/flows/new");
    // Every step type of the server's schema is in the palette, with its title.
    for (const title of ["Ask a question", "Send message", "Create Salesforce record", "Branch", "Menu"]) {
      await page
        .locator(".palette")
        .getByRole("button", { name: new RegExp(`^${title} \\(`) })
        .waitFor();
    }
    await page.getByLabel("Name", { exact: true }).fill("Lead from the editor");
    // The message trigger's settings: when it starts and its cooldown.
    await page.getByLabel("Starts on").selectOption("first");
    await page.getByLabel("Cooldown").fill("PT12H");
  });

  it("builds the lead flow by clicking: two asks, a Lead without Company, a confirmation", async () => {
    await addStep("Ask a question");
    await node("ask_1").waitFor();
    expect(await panel().getByRole("heading", { level: 2 }).textContent()).toContain("ask_1");
    await field("text").fill("Hi! What's your name?");
    await field("save").fill("name");

    // Added while ask_1 is selected: placed under it and connected through its `next`.
    await addStep("Ask a question");
    await node("ask_2").waitFor();
    await field("text").fill("Which company are you with?");
    await field("save").fill("company");
    await page.locator('.react-flow__edge[data-id="ask_1:next"]').waitFor();

    // Nothing selected: the next step is added unconnected, then connected by dragging.
    await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
    await page.getByRole("heading", { name: "Flow", exact: true }).waitFor();
    await addStep("Create Salesforce record");
    await node("salesforce_create_1").waitFor();
    expect(await page.locator('.react-flow__edge[data-id="ask_2:next"]').count()).toBe(0);
    await drag(
      node("ask_2").locator(".react-flow__handle.source"),
      await centre(node("salesforce_create_1").locator(".react-flow__handle.target")),
    );
    await page.locator('.react-flow__edge[data-id="ask_2:next"]').waitFor();

    await node("salesforce_create_1").click();
    await field("connection").fill("salesforce");
    await field("object").fill("Lead");
    await panel().getByRole("button", { name: "Add to fields" }).click();
    await panel().getByLabel("fields 1: name").fill("LastName");
    // The variable picker lists every ask's `save` and inserts the template.
    await panel().getByLabel("Insert a variable into fields LastName").selectOption("vars.name");
    expect(await panel().getByLabel("fields 1: value").inputValue()).toBe("{{ vars.name }}");
    await panel().getByRole("button", { name: "Add to fields" }).click();
    await panel().getByLabel("fields 2: name").fill("Phone");
    await panel().getByLabel("Insert a variable into fields Phone").selectOption("contact.phone");

    await addStep("Send message");
    await node("send_1").waitFor();
    await page.locator('.react-flow__edge[data-id="salesforce_create_1:next"]').waitFor();
    await field("text").fill("Thanks! Your reference is ");
    // Earlier steps' outputs: the Lead's id from the create step.
    await panel().getByLabel("Insert a variable into text").selectOption("steps.salesforce_create_1.id");
    expect(await field("text").inputValue()).toBe(
      "Thanks! Your reference is {{ steps.salesforce_create_1.id }}",
    );

    // The start step is marked on the canvas.
    expect(await node("ask_1").locator(".badge.start").count()).toBe(1);
  });

  it("saves the draft; the org's describe puts a Company problem on the create step", async () => {
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/\/flows\/[^/]+\/edit$/);
    flowId = flowIdFromUrl();
    await page.getByRole("heading", { name: "Edit Lead from the editor" }).waitFor();
    const saved = await exported(flowId, 1);
    expect(saved.steps.map((s) => s.id)).toEqual(["ask_1", "ask_2", "salesforce_create_1", "send_1"]);
    expect(saved.steps[1]?.next).toBe("salesforce_create_1");
    expect(saved.trigger).toMatchObject({ type: "message", on: "first", cooldown: "PT12H" });

    const badge = node("salesforce_create_1").getByTestId("problem-badge");
    await badge.waitFor();
    await node("salesforce_create_1").click();
    const problems = panel().locator(".step-problems");
    await expect.poll(() => problems.textContent()).toContain("Company");
    for (const id of ["ask_1", "ask_2", "send_1"]) {
      expect(await node(id).getByTestId("problem-badge").count(), id).toBe(0);
    }
    await shot(page, "editor");
  });

  it("publishing is refused with the same problem shown on the step", async () => {
    await page.getByRole("button", { name: "Publish" }).click();
    const refused = page.getByRole("alert").filter({ hasText: "cannot be published" });
    await refused.waitFor();
    // The refusal lists its problems, each with the place it is about, not one long line.
    expect(await refused.locator("li").count()).toBeGreaterThan(0);
    expect(await refused.locator("li").first().textContent()).toMatch(/^steps\[\d+\].* Company/);
    await node("salesforce_create_1").click();
    await expect.poll(() => panel().locator(".step-problems").textContent()).toContain("Company");
  });

  it("mapping Company removes the problem, and the flow publishes", async () => {
    await panel().getByRole("button", { name: "Add to fields" }).click();
    await panel().getByLabel("fields 3: name").fill("Company");
    await panel().getByLabel("Insert a variable into fields Company").selectOption("vars.company");
    await expect.poll(() => node("salesforce_create_1").getByTestId("problem-badge").count()).toBe(0);
    await expect.poll(() => panel().locator(".step-problems").textContent()).not.toContain("Company");
    // The refused publish was about the flow before the change: its message is gone.
    await expect
      .poll(() => page.getByRole("alert").filter({ hasText: "cannot be published" }).count())
      .toBe(0);

    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByTestId("editor-status").getByText("Version 2 is published.").waitFor();
    await expect.poll(() => page.getByTestId("flow-state").textContent()).toContain("published v2");
    const summary = (await (await stack.http("GET", `/api/v1/flows/${flowId}`)).json()) as {
      publishedVersion: number;
    };
    expect(summary.publishedVersion).toBe(2);
  });

  it("a moved step keeps its place through save and reload (layout)", async () => {
    const before = await centre(node("send_1"));
    await drag(node("send_1").locator(".step-node-id"), { x: before.x + 260, y: before.y + 40 });
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByTestId("editor-status").getByText("Saved as version 3").waitFor();
    const layout = (await exported(flowId, 3)).layout?.steps ?? {};
    expect(Object.keys(layout).sort()).toEqual(["ask_1", "ask_2", "salesforce_create_1", "send_1"]);
    expect((layout.send_1?.x ?? 0) - (layout.salesforce_create_1?.x ?? 0)).toBeGreaterThan(150);

    const transform = (id: string) =>
      page.evaluate<string>(`document.querySelector('.react-flow__node[data-id="${id}"]').style.transform`);
    const shown = { send: await transform("send_1"), create: await transform("salesforce_create_1") };
    await page.reload();
    await node("send_1").waitFor();
    expect(await transform("send_1")).toBe(shown.send);
    expect(await transform("salesforce_create_1")).toBe(shown.create);
    expect(shown.send).toBe(`translate(${layout.send_1?.x}px, ${layout.send_1?.y}px)`);
  });

  it("Delete and Backspace on a button beside the canvas (palette, panel) leave the selected step alone", async () => {
    await node("send_1").click();
    await panel().getByRole("button", { name: "Make start step" }).focus();
    await page.keyboard.press("Delete");
    await page.locator(".palette").getByRole("button").first().focus();
    await page.keyboard.press("Delete");
    await page.keyboard.press("Backspace");
    // The canvas's own zoom buttons are buttons too.
    await page.locator(".react-flow__controls button").first().focus();
    await page.keyboard.press("Delete");
    // Each would have deleted it at once; the status names the step a delete removed.
    expect(await page.getByTestId("editor-status").textContent()).not.toContain("Deleted");
    expect(await node("send_1").count()).toBe(1);
  });

  it("deletes a step with the Delete key; undo and redo with the buttons and Ctrl+Z / Ctrl+Shift+Z", async () => {
    await node("send_1").click();
    await page.keyboard.press("Delete");
    await expect.poll(() => node("send_1").count()).toBe(0);
    // The transition that pointed at it is cleared.
    expect(await page.locator('.react-flow__edge[data-id="salesforce_create_1:next"]').count()).toBe(0);

    await page.getByRole("button", { name: "Undo" }).click();
    await node("send_1").waitFor();
    await page.locator('.react-flow__edge[data-id="salesforce_create_1:next"]').waitFor();
    await page.getByRole("button", { name: "Redo" }).click();
    await expect.poll(() => node("send_1").count()).toBe(0);

    await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Control+z");
    await node("send_1").waitFor();
    await page.keyboard.press("Control+Shift+z");
    await expect.poll(() => node("send_1").count()).toBe(0);
    await page.keyboard.press("Control+z");
    await node("send_1").waitFor();
    // Backspace on a step deletes it too (a Mac keyboard has no Delete key).
    await node("send_1").click();
    await page.keyboard.press("Backspace");
    await expect.poll(() => node("send_1").count()).toBe(0);
    await page.keyboard.press("Control+z");
    await node("send_1").waitFor();
  });

  it("deletes a step from its panel and saves: the step and its transitions are gone", async () => {
    await node("ask_2").click();
    await panel().getByRole("button", { name: "Delete step ask_2" }).click();
    await expect.poll(() => node("ask_2").count()).toBe(0);
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByTestId("editor-status").getByText("Saved as version 4").waitFor();
    const flow = await exported(flowId, 4);
    expect(flow.steps.map((s) => s.id)).toEqual(["ask_1", "salesforce_create_1", "send_1"]);
    expect(flow.steps[0]?.next).toBeUndefined();
    expect(Object.keys(flow.layout?.steps ?? {})).not.toContain("ask_2");
  });

  it("selects a step with the keyboard: Tab to a node, Enter", async () => {
    await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
    await page.getByRole("heading", { name: "Flow", exact: true }).waitFor();
    await node("ask_1").focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate<string | null>('document.activeElement?.getAttribute("data-id")');
    expect(focused).toBe("salesforce_create_1");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => panel().getByRole("heading", { level: 2 }).textContent())
      .toContain("salesforce_create_1");
    expect(await node("salesforce_create_1").getAttribute("aria-label")).toContain(
      "Create Salesforce record",
    );

    // The start step is settable from the panel (and undoable like any change).
    await panel().getByRole("button", { name: "Make start step" }).click();
    await node("salesforce_create_1").locator(".badge.start").waitFor();
    expect(await node("ask_1").locator(".badge.start").count()).toBe(0);
    await page.getByRole("button", { name: "Undo" }).click();
    await node("ask_1").locator(".badge.start").waitFor();

    // The Try it slot opens beside the canvas (components/try-it/try-it-panel.tsx fills it).
    await page.getByRole("button", { name: "Try it" }).click();
    expect(await page.getByRole("button", { name: "Try it" }).getAttribute("aria-pressed")).toBe("true");
    await page.locator(".try-it-slot").waitFor();
    await page.getByRole("button", { name: "Try it" }).click();
    await expect.poll(() => page.locator(".try-it-slot").count()).toBe(0);
  });

  it("shows what changed between versions and rolls back to an older one", async () => {
    await page.getByRole("button", { name: "Versions" }).click();
    const versions = page.locator(".versions-panel");
    await versions.locator('li[data-version="4"]').waitFor();
    await versions.getByLabel("From").selectOption("1");
    await versions.getByLabel("To").selectOption("2");
    await versions.getByRole("button", { name: "Show changes" }).click();
    await versions.getByText("$.steps[2].fields.Company").waitFor();

    // v3 (Company mapped, moved step) is published, then v2 again: a rollback.
    await versions.getByRole("button", { name: "Publish version 3" }).click();
    await page.getByTestId("editor-status").getByText("Version 3 is published.").waitFor();
    await versions.getByRole("button", { name: "Roll back to version 2" }).click();
    await page.getByTestId("editor-status").getByText("Version 2 is published.").waitFor();
    await expect.poll(() => page.getByTestId("flow-state").textContent()).toContain("published v2");
    await expect.poll(() => versions.locator('li[data-version="2"]').textContent()).toContain("Published");
  });

  it("fills the Salesforce pickers from the org's describe (GET /connections/:id/objects)", async () => {
    await page.reload();
    await node("salesforce_create_1").click();
    await panel().getByText("Lead: required fields LastName, Company.").waitFor();
    expect(
      await page
        .locator("#editor-sobjects option")
        .evaluateAll((os) => os.map((o) => o.getAttribute("value"))),
    ).toEqual(expect.arrayContaining(["Lead", "Case", "Contact"]));
    expect(await field("object").getAttribute("list")).toBe("editor-sobjects");
    expect(await panel().getByLabel("fields 1: name").getAttribute("list")).toBe("editor-sfields");
    expect(await panel().locator(".kv-row .badge.required").count()).toBe(2);

    // Unmapping a required field offers it back; a picklist field offers its values.
    await panel().getByRole("button", { name: "Remove fields Company" }).click();
    await panel().getByRole("button", { name: "Map required field Company" }).click();
    await panel().getByLabel("fields 3: name").waitFor();
    expect(await panel().getByLabel("fields 3: name").inputValue()).toBe("Company");
    await panel().getByRole("button", { name: "Add to fields" }).click();
    await panel().getByLabel("fields 4: name").fill("LeadSource");
    expect(await panel().getByLabel("fields 4: value").getAttribute("list")).toBe(
      "editor-picklist-LeadSource",
    );
    expect(
      await page
        .locator("#editor-picklist-LeadSource option")
        .evaluateAll((os) => os.map((o) => o.getAttribute("value"))),
    ).toEqual(["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other", "WhatsApp"]);
  });

  it("renames a step (its transitions follow) and deletes a transition by its edge", async () => {
    await node("send_1").click();
    await field("id").fill("confirm");
    await field("id").press("Enter");
    await node("confirm").waitFor();
    expect(await node("send_1").count()).toBe(0);
    await page.locator('.react-flow__edge[data-id="salesforce_create_1:next"]').waitFor();
    await node("salesforce_create_1").click();
    expect(await field("next").inputValue()).toBe("confirm");
    // An id another step has is refused in place.
    await field("id").fill("ask_1");
    await panel().getByText("Another step is called ask_1.").waitFor();
    await field("id").fill("salesforce_create_1");

    // An edge is focusable: Enter selects it, Delete clears that transition.
    const edge = page.locator('.react-flow__edge[data-id="salesforce_create_1:next"]');
    await edge.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => edge.getAttribute("class")).toContain("selected");
    await page.keyboard.press("Delete");
    await expect
      .poll(() => page.locator('.react-flow__edge[data-id="salesforce_create_1:next"]').count())
      .toBe(0);
    await expect.poll(() => field("next").inputValue()).toBe("");
    await page.getByRole("button", { name: "Undo" }).click();
    await page.locator('.react-flow__edge[data-id="salesforce_create_1:next"]').waitFor();
  });

  it("loaded everything without errors in the console (no CSP refusals)", () => {
    expect(consoleErrors).toEqual([]);
  });

  it("opens the editor from the flows list and from the flow's page", async () => {
    await page.goto(`${stack.tern.url}/flows`);
    const row = page.locator(`tr[data-flow-id="${flowId}"]`);
    await row.getByRole("link", { name: "Edit Lead from the editor" }).click();
    await page.getByRole("heading", { name: "Edit Lead from the editor" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/flows/${flowId}/edit`);
    await page.getByRole("link", { name: "Flow details" }).click();
    await page.getByRole("heading", { name: "Versions" }).waitFor();
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await node("ask_1").waitFor();
  });

  it("is usable on a phone-sized screen: toolbar, palette, canvas and panel stack", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await node("ask_1").waitFor();
    for (const name of ["Undo", "Save draft", "Publish", "Try it"]) {
      expect(await page.getByRole("button", { name, exact: true }).isVisible(), name).toBe(true);
    }
    // Nothing is wider than the screen (no sideways scrolling).
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await shot(page, "editor-phone");
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
