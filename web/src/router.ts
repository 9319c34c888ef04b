import { useEffect, useState } from "react";

/** A few client routes need no router library: the History API and one hook. */
const listeners = new Set<() => void>();
const here = () => location.pathname + location.search;

/**
 * Asked before the app leaves the page (unsaved work); each returns whether to leave. A list: a
 * page may hold more than one form with changes (Channels: an edit and the add form).
 */
const leaveGuards: Array<() => boolean> = [];

/**
 * Until released, every in-app way off the page (links, back and forward, sign-out) asks `guard`
 * first. Returns the release.
 */
export function holdLeave(guard: () => boolean): () => void {
  leaveGuards.push(guard);
  return () => {
    const at = leaveGuards.indexOf(guard);
    if (at >= 0) leaveGuards.splice(at, 1);
  };
}

/** Whether the page may be left now: no guard, or the newest says so (one question, not one per form). */
export function mayLeave(): boolean {
  const guard = leaveGuards.at(-1);
  return guard === undefined || guard();
}

/** `force`: the page itself moves on (after a save), so its guard is not asked. */
export function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): void {
  if (!options.force && !mayLeave()) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  shown = here();
  for (const l of listeners) l();
}

// Back and forward: the browser has moved already; a guard that says stay puts the page back.
let shown = typeof location === "undefined" ? "" : here();
if (typeof window !== "undefined") {
  window.addEventListener("popstate", () => {
    if (here() !== shown && !mayLeave()) {
      history.pushState(null, "", shown);
      return;
    }
    shown = here();
    for (const l of listeners) l();
  });
}

/** The path and query (`/runs?contactId=…`): a link to the same page with other filters changes it. */
export function usePath(): string {
  const [path, setPath] = useState(here());
  useEffect(() => {
    const update = () => setPath(here());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return path;
}

export type Route =
  | { page: "sign-in" }
  | { page: "flows" }
  | { page: "flow"; id: string }
  | { page: "try"; id: string }
  | { page: "flow-edit"; id: string }
  | { page: "flow-new" }
  | { page: "runs" }
  | { page: "run"; id: string }
  | { page: "connections" }
  | { page: "channels" }
  | { page: "contacts" }
  | { page: "contact"; id: string }
  | { page: "missing" };

/** Updates the address bar's query (filters) without telling the app: the page already shows it. */
export function replaceQuery(params: Record<string, string | undefined>): void {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const qs = query.toString();
  history.replaceState(null, "", `${location.pathname}${qs ? `?${qs}` : ""}`);
  shown = here();
}

export function matchRoute(pathAndQuery: string): Route {
  const path = pathAndQuery.split("?")[0] ?? "";
  if (path === "/sign-in") return { page: "sign-in" };
  if (path === "/" || path === "/flows") return { page: "flows" };
  if (path === "/flows/new") return { page: "flow-new" };
  const edit = /^\/flows\/([A-Za-z0-9_-]+)\/edit$/.exec(path);
  if (edit?.[1]) return { page: "flow-edit", id: edit[1] };
  const flow = /^\/flows\/([A-Za-z0-9_-]+)$/.exec(path);
  if (flow?.[1]) return { page: "flow", id: flow[1] };
  const tryIt = /^\/flows\/([A-Za-z0-9_-]+)\/try$/.exec(path);
  if (tryIt?.[1]) return { page: "try", id: tryIt[1] };
  if (path === "/runs") return { page: "runs" };
  const run = /^\/runs\/([A-Za-z0-9_-]+)$/.exec(path);
  if (run?.[1]) return { page: "run", id: run[1] };
  if (path === "/connections") return { page: "connections" };
  if (path === "/channels") return { page: "channels" };
  if (path === "/contacts") return { page: "contacts" };
  const contact = /^\/contacts\/([A-Za-z0-9_-]+)$/.exec(path);
  if (contact?.[1]) return { page: "contact", id: contact[1] };
  return { page: "missing" };
}
