import type { ChannelDefinition, WebhookRequest } from "../channels/channel.js";
import { channelTypes } from "../channels/registry.js";
import type { ResolvedChannel } from "../services/integrations.js";

/** What the sibling lookup needs of the integrations service. */
export interface ChannelsOfType {
  channelsOfType(type: string): Promise<ResolvedChannel[]>;
}

/**
 * Meta posts every number, Page or account of one app to the one callback URL set in the app's
 * console, which is one channel's. When that channel is deleted, its URL would answer 404 to the
 * deliveries of the app's other channels, and Meta disables a webhook that keeps failing. So a
 * delivery naming a Meta webhook object is taken by a channel of that type whose app secret
 * verifies it (the same app), and routed by account from there as usual; else it stays a 404.
 *
 * Any path under /webhooks/ lands here, so the signature is checked before the body is parsed:
 * JSON.parse of an unsigned 4 MiB body (deeply nested arrays) held the event loop for a second.
 */
export async function siblingOfDeleted(
  integrations: ChannelsOfType,
  raw: WebhookRequest,
): Promise<ResolvedChannel | null> {
  const metaTypes = Object.values(channelTypes)
    .filter((definition: ChannelDefinition) => definition.webhookObject !== undefined)
    .map((definition) => definition.type);
  const candidates = (await Promise.all(metaTypes.map((type) => integrations.channelsOfType(type)))).flat();
  const verifies = signedByOnce(raw);
  const signedBy = candidates.find(verifies);
  if (!signedBy) return null;
  // Signed by one of these apps: its body is Meta's, and its `object` says which type it is for.
  let object: unknown;
  try {
    object = (JSON.parse(raw.rawBody.toString("utf8")) as { object?: unknown } | null)?.object;
  } catch {
    return null;
  }
  const type = Object.values(channelTypes).find(
    (definition: ChannelDefinition) => definition.webhookObject === object,
  )?.type;
  if (!type) return null;
  if (signedBy.definition.type === type) return signedBy;
  return candidates.find((c) => c.definition.type === type && verifies(c)) ?? null;
}

/**
 * Whether a channel's signature check passes on `raw`, computed once per app secret: every Meta
 * type signs with `X-Hub-Signature-256` keyed by the app's secret (channels/meta/signature.ts), and
 * an app's numbers, Pages and accounts share it. A stranger's body to a made-up URL then costs one
 * HMAC per app, not one per channel.
 */
export function signedByOnce(raw: WebhookRequest): (channel: ResolvedChannel) => boolean {
  const bySecret = new Map<string, boolean>();
  return (channel) => {
    const secret = (channel.config as { appSecret?: unknown } | null)?.appSecret;
    if (typeof secret !== "string") return verifies(channel, raw);
    let outcome = bySecret.get(secret);
    if (outcome === undefined) {
      outcome = verifies(channel, raw);
      bySecret.set(secret, outcome);
    }
    return outcome;
  };
}

function verifies(channel: ResolvedChannel, raw: WebhookRequest): boolean {
  try {
    channel.definition.verify(raw, channel.config);
    return true;
  } catch {
    // Another app's channel.
    return false;
  }
}
