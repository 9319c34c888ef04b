import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { h1Problems, horizontalScroll, tabProblems, unnamedControls } from "../helpers/a11y-checks.js";
import { openBrowser, SCREENSHOTS } from "../helpers/browser-page.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Every signed-in page at a laptop's size (1280x800) and a phone's (390x844): every control has
 * an accessible name (Chromium's accessibility tree), one h1, no sideways scrolling on the phone,
 * and Tab from the top reaches the main navigation and then the page's first control with a
 * visible focus outline. Pages come with data: a sandbox customer has talked the lead flow to a
 * Lead, so the run, the contact and the flow have something to show.
 */
const VIEWPORTS = [
  { name: "laptop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

let stack: Stack;
let browser: Browser;
let page: Page;
const ids = { flow: "", run: "", contact: "" };

beforeAll(async () => {
  [stack, { browser }] = await Promise.all([startStack(), openBrowser()]);
  ids.flow = stack.setup.flowId;
  const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315551182", "Ada");
  for (const [i, text] of ["Hi", "Ada Lovelace", "Analytical Engines Ltd"].entries()) {
    await customer.say(text);
    await customer.waitForReplies(i + 1);
  }
  const run = await eventually(async () => {
    const res = await stack.http("GET", `/api/v1/runs?flowId=${ids.flow}`);
    const { items } = (await res.json()) as {
      items: Array<{ id: string; status: string; contactId: string }>;
    };
    return items.find((r) => r.status === "completed");
  });
  ids.run = run.id;
  ids.contact = run.contactId;

  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(10_000);
  await page.goto(stack.tern.url);
  await page.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Flows" }).waitFor();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** The pages, by the name their phone screenshot gets; `shot` when none exists yet. */
const pages: Array<{ name: string; path: () => string; shot?: boolean }> = [
  { name: "flows", path: () => "/flows" },
  { name: "flow-detail", path: () => `/flows/${ids.flow}`, shot: true },
  { name: "editor", path: () => `/flows/${ids.flow}/edit` },
  { name: "flow-new", path: () => "/flows/new" },
  { name: "try-it", path: () => `/flows/${ids.flow}/try` },
  { name: "runs", path: () => "/runs" },
  { name: "run-timeline", path: () => `/runs/${ids.run}`, shot: true },
  { name: "connections", path: () => "/connections", shot: true },
  { name: "channels", path: () => "/channels", shot: true },
  { name: "contacts", path: () => "/contacts", shot: true },
  { name: "contact", path: () => `/contacts/${ids.contact}`, shot: true },
];

/** Opens a page and waits until it has loaded what it shows (its h1, nothing busy, no requests). */
async function open(pathname: string) {
  await page.goto(`${stack.tern.url}${pathname}`);
  await page.locator("h1").first().waitFor();
  await page.waitForLoadState("networkidle");
  await expect.poll(() => page.locator('[aria-busy="true"]').count()).toBe(0);
}

describe("accessibility and phone layout of every page", () => {
  it("the checks catch what they look for (a page built to fail each)", async () => {
    const probe = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await probe.setContent(`<style>*:focus { outline: none }</style>
        <nav aria-label="Main"><a href="#a">Flows</a></nav>
        <div id="content"><h1>One</h1><h1>Two</h1>
          <button type="button"></button><input type="text"><a href="#b"><span></span></a>
          <div style="width: 900px">wide</div></div>`);
      const unnamed = await unnamedControls(probe);
      expect(unnamed).toHaveLength(3);
      expect(unnamed.join("\n")).toMatch(
        /button without a name[\s\S]*textbox without a name[\s\S]*link without/,
      );
      expect(await h1Problems(probe)).toEqual(['2 h1 elements: ["One","Two"]']);
      expect((await horizontalScroll(probe))[0]).toMatch(/scrollWidth 9\d\d > 390/);
      expect(await tabProblems(probe)).toEqual([
        "no visible focus outline on <a> Flows",
        "no visible focus outline on <button> ",
      ]);
    } finally {
      await probe.close();
    }
  });

  it("sign-in (signed out; no navigation yet): named controls, one h1, keyboard focus; no sideways scroll on a phone", async () => {
    const problems: string[] = [];
    const context = await browser.newContext();
    try {
      const signedOut = await context.newPage();
      for (const viewport of VIEWPORTS) {
        await signedOut.setViewportSize({ width: viewport.width, height: viewport.height });
        await signedOut.goto(`${stack.tern.url}/sign-in`);
        await signedOut.getByLabel("Admin token").waitFor();
        if (viewport.name === "phone") {
          await signedOut.screenshot({ path: path.join(SCREENSHOTS, "sign-in-phone.png"), fullPage: true });
        }
        const found = [
          ...(await unnamedControls(signedOut)),
          ...(await h1Problems(signedOut)),
          ...(viewport.name === "phone" ? await horizontalScroll(signedOut) : []),
          ...(await tabProblems(signedOut, { hasNav: false })),
        ];
        problems.push(...found.map((p) => `${viewport.name}: ${p}`));
      }
    } finally {
      await context.close();
    }
    expect(problems).toEqual([]);
  });

  for (const entry of pages) {
    it(`${entry.name}: named controls, one h1, keyboard focus; no sideways scroll on a phone`, async () => {
      const problems: string[] = [];
      for (const viewport of VIEWPORTS) {
        await page.setViewportSize({ width: viewport.width, height: viewport.height });
        await open(entry.path());
        if (viewport.name === "phone" && entry.shot) {
          await page.screenshot({ path: path.join(SCREENSHOTS, `${entry.name}-phone.png`), fullPage: true });
        }
        const found = [
          ...(await unnamedControls(page)),
          ...(await h1Problems(page)),
          ...(viewport.name === "phone" ? await horizontalScroll(page) : []),
          ...(await tabProblems(page)),
        ];
        problems.push(...found.map((p) => `${viewport.name}: ${p}`));
      }
      expect(problems, `${entry.name} (${entry.path()})`).toEqual([]);
    });
  }

  it("moves the keyboard to the page's heading after a page change and after signing in", async () => {
    /** The focused element: its tag and text. */
    const focused = () =>
      page.evaluate<string>(
        `(() => { const a = document.activeElement; return a ? a.tagName + " " + (a.textContent ?? "").trim() : ""; })()`,
      );
    await page.setViewportSize({ width: 1280, height: 800 });
    await open("/flows");
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Runs" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(focused).toBe("H1 Runs");
    // Tab goes on from the top of the page, not from the header.
    await page.keyboard.press("Tab");
    expect(await page.evaluate<boolean>(`Boolean(document.activeElement?.closest("#content"))`)).toBe(true);
    // A link inside the page, and a page drawn later (the editor is its own chunk).
    await page.locator(`tr[data-run-id="${ids.run}"]`).getByRole("link", { name: ids.run }).click();
    await expect.poll(focused).toBe(`H1 Run ${ids.run}`);
    await page.goto(`${stack.tern.url}/flows/${ids.flow}`);
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await expect.poll(focused).toMatch(/^H1 Edit /);
    await page.goBack();
    await expect.poll(focused).toMatch(/^H1 /);

    const context = await browser.newContext();
    try {
      const signedOut = await context.newPage();
      await signedOut.goto(`${stack.tern.url}/contacts`);
      await signedOut.getByLabel("Admin token").fill(stack.tern.dataDir.adminToken);
      await signedOut.getByRole("button", { name: "Sign in" }).click();
      await signedOut.getByRole("heading", { name: "Contacts", level: 1 }).waitFor();
      await expect
        .poll(() =>
          signedOut.evaluate<string>(
            `document.activeElement?.tagName + " " + document.activeElement?.textContent`,
          ),
        )
        .toBe("H1 Contacts");
    } finally {
      await context.close();
    }
  });

  it("a flow with a long name (one long word) keeps every page of it within a phone's width", async () => {
    const current = (await (await stack.http("GET", `/api/v1/flows/${ids.flow}`)).json()) as {
      definition: Record<string, unknown>;
    };
    const name = "spring_campaign_2027_whatsapp_lead_capture_for_the_north_west_region_v2";
    const res = await stack.http("POST", "/api/v1/flows", { ...current.definition, name });
    const { id } = (await res.json()) as { id: string };
    await page.setViewportSize({ width: 390, height: 844 });
    const problems: string[] = [];
    for (const where of ["/flows", `/flows/${id}`, `/flows/${id}/edit`, `/flows/${id}/try`, "/runs"]) {
      await open(where);
      problems.push(...(await horizontalScroll(page)).map((p) => `${where}: ${p}`));
    }
    expect(problems).toEqual([]);
  });
});
