import type { Page } from "playwright-core";

/**
 * In-page checks for test/browser/accessibility.test.ts (kept in helpers: not a test file). Each returns the problems it found as
 * short strings a person can act on; an empty list is a pass.
 */

const INTERACTIVE_ROLES = new Set([
  "button",
  "link",
  "textbox",
  "searchbox",
  "combobox",
  "listbox",
  "checkbox",
  "radio",
  "switch",
  "slider",
  "spinbutton",
  "menuitem",
  "tab",
]);

interface AXNode {
  ignored: boolean;
  role?: { value?: string };
  name?: { value?: string };
  backendDOMNodeId?: number;
}

/**
 * Controls without an accessible name, as Chromium computes it for screen readers (the
 * accessibility tree, not a guess from attributes): every link, button, field, select.
 */
export async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: AXNode[] };
    const problems: string[] = [];
    for (const node of nodes) {
      const role = node.role?.value ?? "";
      if (node.ignored || !INTERACTIVE_ROLES.has(role)) continue;
      if ((node.name?.value ?? "").trim() !== "") continue;
      let where = "";
      if (node.backendDOMNodeId !== undefined) {
        const { node: dom } = (await cdp.send("DOM.describeNode", {
          backendNodeId: node.backendDOMNodeId,
        })) as { node: { localName: string; attributes?: string[] } };
        const attributes = dom.attributes ?? [];
        const pairs: string[] = [];
        for (let i = 0; i + 1 < attributes.length; i += 2)
          pairs.push(`${attributes[i]}="${attributes[i + 1]}"`);
        where = `<${dom.localName} ${pairs.join(" ")}>`;
      }
      problems.push(`${role} without a name: ${where}`);
    }
    return problems;
  } finally {
    await cdp.detach();
  }
}

/** Exactly one visible h1. */
export async function h1Problems(page: Page): Promise<string[]> {
  const texts = await page
    .locator("h1")
    .evaluateAll((hs) => hs.filter((h) => h.getClientRects().length > 0).map((h) => h.textContent));
  return texts.length === 1 ? [] : [`${texts.length} h1 elements: ${JSON.stringify(texts)}`];
}

/** The page does not scroll sideways (at a phone's width this is what matters). */
export async function horizontalScroll(page: Page): Promise<string[]> {
  // Page-side code as text: the test project compiles without the DOM's types.
  const { scrollWidth, innerWidth, widest } = await page.evaluate<{
    scrollWidth: number;
    innerWidth: number;
    widest: string;
  }>(`(() => {
    const width = window.innerWidth;
    // The element that sticks out furthest, to say what to fix.
    let widest = "";
    let right = width + 1;
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const r = el.getBoundingClientRect();
      if (r.right > right && r.width > 0) {
        right = r.right;
        widest = "<" + el.localName + ' class="' + (el.getAttribute("class") ?? "") + '"> right=' + Math.round(r.right);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, widest };
  })()`);
  return scrollWidth <= innerWidth + 1
    ? []
    : [`scrolls sideways: scrollWidth ${scrollWidth} > ${innerWidth} (widest: ${widest})`];
}

interface Stop {
  where: "nav" | "content" | "other";
  isFirstControl: boolean;
  hasOutline: boolean;
  what: string;
}

/** Where the focus is now (a Stop), as page-side text. */
const WHERE_IS_FOCUS = `(() => {
  const el = document.activeElement;
  const focusable =
    'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  const first = Array.from(document.querySelectorAll("#content " + focusable.split(", ").join(", #content "))).find(
    (e) => e.tabIndex >= 0 && e.getClientRects().length > 0,
  );
  const outlined = (e) => {
    if (!e) return false;
    const s = getComputedStyle(e);
    return (s.outlineStyle !== "none" && Number.parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
  };
  if (!el || el === document.body) return { where: "other", isFirstControl: false, hasOutline: false, what: "body" };
  const wrapper = el.parentElement?.closest(".button") ?? null;
  return {
    where: el.closest('nav[aria-label="Main"]') ? "nav" : el.closest("#content") ? "content" : "other",
    isFirstControl: el === first,
    hasOutline: outlined(el) || outlined(wrapper),
    what: "<" + el.localName + "> " + (el.textContent ?? el.getAttribute("aria-label") ?? "").trim().slice(0, 40),
  };
})()`;

/**
 * Tab from the top of a freshly loaded page: the main navigation and then the page's first
 * control (the first focusable element in #content) are reached, each with a visible focus
 * outline (on the element, or on the `.button` label that wraps a file input).
 */
export async function tabProblems(
  page: Page,
  options: { hasNav?: boolean; maxTabs?: number } = {},
): Promise<string[]> {
  const { hasNav = true, maxTabs = 40 } = options;
  await page.evaluate(`document.activeElement?.blur(); window.scrollTo(0, 0)`);
  const problems: string[] = [];
  let sawNav = false;
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate<Stop>(WHERE_IS_FOCUS);
    if ((stop.where === "nav" || stop.isFirstControl) && !stop.hasOutline) {
      problems.push(`no visible focus outline on ${stop.what}`);
    }
    if (stop.where === "nav") sawNav = true;
    if (stop.isFirstControl) {
      if (hasNav && !sawNav) problems.push("the page's first control comes before the main navigation");
      return problems;
    }
  }
  if (hasNav && !sawNav) problems.push(`Tab never reached the main navigation in ${maxTabs} presses`);
  problems.push(`Tab never reached the page's first control in ${maxTabs} presses`);
  return problems;
}
