import { useEffect, useRef } from "react";

/**
 * Whether the person has pressed a key or a pointer in this page yet. Until then a page change is
 * part of the first load (the redirect to sign-in), where the browser starts at the top itself.
 */
let hasActed = false;
if (typeof window !== "undefined") {
  const acted = () => {
    hasActed = true;
  };
  window.addEventListener("keydown", acted, { capture: true, once: true });
  window.addEventListener("pointerdown", acted, { capture: true, once: true });
}

/**
 * After the app shows another page (a link, Back, a sign-in), the keyboard moves to the page's
 * main heading (made focusable with tabIndex -1), so a screen reader announces the new page and
 * Tab goes on from its top; otherwise focus stays on a link that is gone, i.e. on <body>. Not on
 * the first load, and not when the new page has put the focus somewhere in it already.
 */
export function useFocusHeadingOnNavigate(path: string): void {
  const shown = useRef(path);
  useEffect(() => {
    if (shown.current === path) return;
    shown.current = path;
    if (!hasActed) return;
    return focusHeadingWhenShown();
  }, [path]);
}

/** Focuses `#content h1` as soon as it is there (a lazy page draws it later); returns a cancel. */
function focusHeadingWhenShown(timeoutMs = 5_000): () => void {
  const content = document.getElementById("content");
  if (!content) return () => {};
  const focus = (): boolean => {
    const heading = content.querySelector("h1");
    if (!heading) return false;
    const active = document.activeElement;
    if (active && active !== document.body && content.contains(active)) return true;
    if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;
    heading.focus();
    return true;
  };
  if (focus()) return () => {};
  const observer = new MutationObserver(() => {
    if (focus()) stop();
  });
  const timer = setTimeout(() => stop(), timeoutMs);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
  };
  observer.observe(content, { childList: true, subtree: true });
  return stop;
}
