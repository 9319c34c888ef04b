import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBrowser, signIn } from "../helpers/browser-page.js";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * No lost edits in the flow editor: it remembers the version it opened and saves with If-Match,
 * so a version saved meanwhile (through the API here: another tab, a CI import) is not silently
 * replaced. The conflict says which version was saved; "save anyway" stores these edits as the
 * next version, "reload" shows the other one.
 */
let stack: Stack;
let browser: Browser;
let page: Page;

const flowFile = (name: string) => ({
  schema: "tern.flow/v1",
  name,
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "hello", type: "send", text: "Hello" }],
});

beforeAll(async () => {
  [stack, { browser, page }] = await Promise.all([startStack(), openBrowser()]);
  // Reloading with unsaved edits asks first (beforeunload): the tests mean to leave.
  page.on("dialog", (dialog) => void dialog.accept());
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("a save conflict in the flow editor", () => {
  let flowId = "";
  const nameField = () => page.getByLabel("Name", { exact: true });
  const latest = async () => {
    const res = await stack.http("GET", `/api/v1/flows/${flowId}`);
    return (await res.json()) as { latestVersion: number; definition: { name: string } };
  };
  const saveElsewhere = async (name: string) => {
    const res = await stack.http("PUT", `/api/v1/flows/${flowId}`, flowFile(name));
    expect(res.status).toBe(201);
  };

  it("shows which version was saved meanwhile and stores nothing", async () => {
    const created = await stack.http("POST", "/api/v1/flows", flowFile("Opened in the editor"));
    flowId = ((await created.json()) as { id: string }).id;
    await signIn(page, stack.tern.url, stack.tern.dataDir.adminToken);
    await page.goto(`${stack.tern.url}/flows/${flowId}/edit`);
    await nameField().waitFor();
    expect(await nameField().inputValue()).toBe("Opened in the editor");

    await nameField().fill("Edited in the browser");
    await saveElsewhere("Saved in another tab");
    await page.getByRole("button", { name: "Save draft" }).click();

    const conflict = page.getByTestId("save-conflict");
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(
      "Version 2 was saved since you opened this flow — reload to see it, or save yours as a new version anyway.",
    );
    expect(await latest()).toMatchObject({ latestVersion: 2, definition: { name: "Saved in another tab" } });
    // The edits are still on screen, unsaved.
    expect(await nameField().inputValue()).toBe("Edited in the browser");
    expect(await page.getByTestId("editor-status").textContent()).toContain("Unsaved changes.");
  });

  it("saves these edits as the next version when told to save anyway", async () => {
    await page.getByRole("button", { name: "Save mine as version 3 anyway" }).click();
    await expect
      .poll(async () => page.getByTestId("editor-status").textContent())
      .toContain("Saved as version 3");
    expect(await page.getByTestId("save-conflict").count()).toBe(0);
    expect(await latest()).toMatchObject({ latestVersion: 3, definition: { name: "Edited in the browser" } });
    // Based on version 3 now: the next save goes through without a conflict.
    await nameField().fill("Edited again");
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect
      .poll(async () => page.getByTestId("editor-status").textContent())
      .toContain("Saved as version 4");
  });

  it("shows the version saved meanwhile when told to reload, dropping these edits", async () => {
    await nameField().fill("Edits to drop");
    await saveElsewhere("Saved in another tab again");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("button", { name: "Reload version 5" }).click();
    await expect.poll(() => nameField().inputValue()).toBe("Saved in another tab again");
    expect(await page.getByTestId("save-conflict").count()).toBe(0);
    expect(await page.getByTestId("flow-state").textContent()).toContain("latest v5");
    expect(await latest()).toMatchObject({ latestVersion: 5 });
    // The reloaded editor is based on version 5.
    await nameField().fill("Based on five");
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect
      .poll(async () => page.getByTestId("editor-status").textContent())
      .toContain("Saved as version 6");
  });
});
