import type { InboundMessage } from "../channels/channel.js";
import type { Flow } from "../flows/schema.js";
import type { Store } from "../store/store.js";

/**
 * Picks the published flow a new conversation starts: a flow whose keywords match the message
 * wins over a catch-all flow for the same channel type; otherwise the most recently updated.
 */
export function routeMessage(
  store: Store,
  loadFlow: (flowId: string, version: number) => Flow,
  channelType: string,
  message: InboundMessage,
): { flowId: string; version: number; flow: Flow } | null {
  const text = message.content.text.trim().toLowerCase();
  let fallback: { flowId: string; version: number; flow: Flow } | null = null;
  for (const published of store.flows.published()) {
    const flow = loadFlow(published.id, published.version);
    const trigger = flow.trigger;
    if (trigger.type !== "message") continue;
    if (trigger.channels.length > 0 && !trigger.channels.includes(channelType)) continue;
    const keywords = trigger.keywords ?? [];
    if (keywords.length === 0) {
      fallback ??= { flowId: published.id, version: published.version, flow };
      continue;
    }
    if (keywords.some((k) => text === k.toLowerCase() || text.startsWith(`${k.toLowerCase()} `))) {
      return { flowId: published.id, version: published.version, flow };
    }
  }
  return fallback;
}
