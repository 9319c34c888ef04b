import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unnamedControls } from "../helpers/a11y-checks.js";
import { openBrowser, shot, signIn } from "../helpers/browser-page.js";
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
    await shot(page, "editor-save-conflict");
    // Announced (role="alert"), and both choices are named buttons.
    expect(await conflict.getAttribute("role")).toBe("alert");
    expect(await unnamedControls(page)).toEqual([]);
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

/** The channels and connections pages share their edit form (components/integration-form.tsx). */
const integrationPages = [
  {
    noun: "channel",
    page: "/channels",
    api: "/api/v1/channels",
    create: (name: string) => ({
      type: "whatsapp",
      name,
      config: { phoneNumberId: "5550001", accessToken: "a", appSecret: "s", verifyToken: "v" },
    }),
    saved: (name: string) => `The channel "${name}" is saved.`,
  },
  {
    noun: "connection",
    page: "/connections",
    api: "/api/v1/connections",
    create: (name: string) => ({
      type: "http",
      name,
      config: { auth: "bearer", baseUrl: "https://api.example.com", token: "t" },
    }),
    saved: (name: string) => `"${name}" is saved.`,
  },
];

describe.each(integrationPages)("an edit conflict on the $noun page", (kind) => {
  let id = "";
  const form = () => page.getByRole("form", { name: /^Edit / });
  const nameInForm = () => form().getByLabel("Name", { exact: true });
  const stored = async () => {
    const res = await stack.http("GET", `${kind.api}/${id}`);
    return (await res.json()) as { name: string };
  };
  const renameElsewhere = async (name: string) => {
    const res = await stack.http("PATCH", `${kind.api}/${id}`, { name });
    expect(res.status).toBe(200);
  };
  const openEdit = async (name: string) => {
    await page.getByRole("button", { name: `Edit ${name}` }).click();
    await form().waitFor();
  };
  const savedMessage = (name: string) => page.getByRole("status").filter({ hasText: kind.saved(name) });

  it("refuses to overwrite a change made meanwhile, then saves anyway when told to", async () => {
    const created = await stack.http("POST", kind.api, kind.create(`${kind.noun}-opened`));
    expect(created.status).toBe(201);
    id = ((await created.json()) as { id: string }).id;
    await page.goto(`${stack.tern.url}${kind.page}`);
    await openEdit(`${kind.noun}-opened`);
    await nameInForm().fill(`${kind.noun}-mine`);
    await renameElsewhere(`${kind.noun}-theirs`);
    await form().getByRole("button", { name: "Save changes" }).click();

    const conflict = page.getByTestId("edit-conflict");
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(
      `This ${kind.noun} was changed since you opened it — reload to see the change, or save yours anyway.`,
    );
    expect(await stored()).toMatchObject({ name: `${kind.noun}-theirs` });
    await shot(page, `${kind.noun}-edit-conflict`);

    await conflict.getByRole("button", { name: "Save anyway" }).click();
    await savedMessage(`${kind.noun}-mine`).waitFor();
    expect(await stored()).toMatchObject({ name: `${kind.noun}-mine` });
  });

  it("starts the form again from the stored values when told to reload", async () => {
    await openEdit(`${kind.noun}-mine`);
    await nameInForm().fill(`${kind.noun}-dropped`);
    await renameElsewhere(`${kind.noun}-latest`);
    await form().getByRole("button", { name: "Save changes" }).click();
    await page.getByTestId("edit-conflict").getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => nameInForm().inputValue()).toBe(`${kind.noun}-latest`);
    expect(await page.getByTestId("edit-conflict").count()).toBe(0);
    // Based on the reloaded values: this save goes through.
    await nameInForm().fill(`${kind.noun}-final`);
    await form().getByRole("button", { name: "Save changes" }).click();
    await savedMessage(`${kind.noun}-final`).waitFor();
    expect(await stored()).toMatchObject({ name: `${kind.noun}-final` });
  });
});
