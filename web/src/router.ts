import { useEffect, useState } from "react";

/** A few client routes need no router library: the History API and one hook. */
const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  for (const l of listeners) l();
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path;
}

export type Route =
  | { page: "sign-in" }
  | { page: "flows" }
  | { page: "flow"; id: string }
  | { page: "flow-edit"; id: string }
  | { page: "flow-new" }
  | { page: "runs" }
  | { page: "run"; id: string }
  | { page: "missing" };

export function matchRoute(path: string): Route {
  if (path === "/sign-in") return { page: "sign-in" };
  if (path === "/" || path === "/flows") return { page: "flows" };
  if (path === "/flows/new") return { page: "flow-new" };
  const edit = /^\/flows\/([A-Za-z0-9_-]+)\/edit$/.exec(path);
  if (edit?.[1]) return { page: "flow-edit", id: edit[1] };
  const flow = /^\/flows\/([A-Za-z0-9_-]+)$/.exec(path);
  if (flow?.[1]) return { page: "flow", id: flow[1] };
  if (path === "/runs") return { page: "runs" };
  const run = /^\/runs\/([A-Za-z0-9_-]+)$/.exec(path);
  if (run?.[1]) return { page: "run", id: run[1] };
  return { page: "missing" };
}
