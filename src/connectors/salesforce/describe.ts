import type { Clock } from "../../core/clock.js";
import type { DescribeResult, GlobalObject, SalesforceClient } from "./client.js";

/**
 * Describe results per object for one connection. Schemas change rarely; a short TTL keeps a
 * field an admin just added from being invisible for long. Failures are not cached.
 */
export interface DescribeCache {
  get(client: SalesforceClient, object: string): Promise<DescribeResult>;
  /** The describeGlobal list (object pickers), cached like a describe. */
  objects(client: SalesforceClient): Promise<GlobalObject[]>;
}

export function createDescribeCache(clock: Clock, ttlMs = 10 * 60_000): DescribeCache {
  const entries = new Map<string, { at: number; result: Promise<unknown> }>();
  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = entries.get(key);
    if (hit && clock.now() - hit.at < ttlMs) return hit.result as Promise<T>;
    const result = load();
    entries.set(key, { at: clock.now(), result });
    result.catch(() => {
      if (entries.get(key)?.result === result) entries.delete(key);
    });
    return result;
  }
  return {
    // Object names are identifiers (no spaces): the global list's key cannot clash with one.
    get: (client, object) => cached(object.toLowerCase(), () => client.describe(object)),
    objects: (client) => cached(" global", () => client.describeGlobal()),
  };
}
