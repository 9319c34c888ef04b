import type { Clock } from "../../core/clock.js";
import type { DescribeResult, SalesforceClient } from "./client.js";

/**
 * Describe results per object for one connection. Schemas change rarely; a short TTL keeps a
 * field an admin just added from being invisible for long. Failures are not cached.
 */
export interface DescribeCache {
  get(client: SalesforceClient, object: string): Promise<DescribeResult>;
}

export function createDescribeCache(clock: Clock, ttlMs = 10 * 60_000): DescribeCache {
  const entries = new Map<string, { at: number; result: Promise<DescribeResult> }>();
  return {
    get(client, object) {
      const key = object.toLowerCase();
      const hit = entries.get(key);
      if (hit && clock.now() - hit.at < ttlMs) return hit.result;
      const result = client.describe(object);
      entries.set(key, { at: clock.now(), result });
      result.catch(() => {
        if (entries.get(key)?.result === result) entries.delete(key);
      });
      return result;
    },
  };
}
