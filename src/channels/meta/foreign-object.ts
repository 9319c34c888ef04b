import type { ParsedWebhook } from "../channel.js";

/**
 * A signed delivery of another of Meta's webhook objects (`user`, `permissions`, `instagram` on a
 * Page's URL…): the app's Webhooks settings point that subscription at this channel's URL too.
 * Meta retries a refused delivery for hours and disables a callback URL that keeps failing, which
 * would stop this channel's own deliveries. So it is acknowledged, and recorded as one rejected
 * item (its object's name only: the rest is not this channel's data) that names the fix.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
 */
export function foreignObject(json: unknown, expected: string, product: string): ParsedWebhook | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const { object, entry } = json as { object?: unknown; entry?: unknown };
  if (typeof object !== "string" || object === expected || !Array.isArray(entry)) return null;
  const name = object.length > 64 ? `${object.slice(0, 64)}…` : object;
  return {
    batches: [],
    rejected: [
      {
        path: "object",
        reason: `A delivery for Meta's "${name}" webhook object, not "${expected}" (${product}): in the app's Webhooks settings, only the ${product} subscription should use this callback URL.`,
        item: { object: name },
      },
    ],
  };
}
