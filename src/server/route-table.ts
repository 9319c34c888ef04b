import type { RouteOptions } from "fastify";
import FindMyWay, { type HTTPMethod } from "find-my-way";

/**
 * The methods each registered route path answers, so that a request under another method gets
 * 405 with `Allow` (RFC 9110 §15.5.6) instead of a 404 that says the path does not exist.
 * Fastify's router looks up one method at a time and exposes no "which methods match this path";
 * a second find-my-way router (the one Fastify itself uses) with the same paths answers that.
 */
export interface RouteTable {
  /** An `onRoute` hook: records the route's path under its methods. */
  add(route: RouteOptions): void;
  /** The methods a path is routed under (empty: no route has this path). */
  allowed(path: string): string[];
}

export function createRouteTable(): RouteTable {
  const router = FindMyWay();
  const methods = new Set<HTTPMethod>();
  const noop = (): void => undefined;
  return {
    add(route) {
      for (const method of [route.method].flat() as HTTPMethod[]) {
        // A path registered twice under one method (a plugin's own HEAD, say) is already known.
        if (router.hasRoute(method, route.url)) continue;
        router.on(method, route.url, noop);
        methods.add(method);
      }
    },
    allowed(path) {
      const found: string[] = [];
      for (const method of methods) {
        try {
          if (router.find(method, path) !== null) found.push(method);
        } catch {
          // A path the router cannot read (broken percent-encoding) matches nothing.
        }
      }
      return found.sort();
    },
  };
}
