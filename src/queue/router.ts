import type { InboundMessage } from "../channels/channel.js";
import type { Flow } from "../flows/schema.js";
import { flowMatchesMessage } from "../flows/trigger.js";
import type { Store } from "../store/store.js";

/**
 * Picks the published flow a new conversation starts: a flow whose keywords match the message
 * wins over a catch-all flow for the same channel type; otherwise the most recently updated.
 */
export async function routeMessage(
  store: Store,
  loadFlow: (flowId: string, version: number) => Promise<Flow>,
  channelType: string,
  message: InboundMessage,
  /** The contact's tags, for flows whose trigger requires one; read at most once. */
  contactTags: () => Promise<string[]> = async () => [],
): Promise<{ flowId: string; version: number; flow: Flow } | null> {
  const candidate: { channel: string; text: string; tags?: string[] } = {
    channel: channelType,
    text: message.content.text,
  };
  let fallback: { flowId: string; version: number; flow: Flow } | null = null;
  for (const published of await store.flows.published()) {
    const flow = await loadFlow(published.id, published.version);
    if (flow.trigger.tags?.length) candidate.tags ??= await contactTags();
    if (!flowMatchesMessage(flow, candidate)) continue;
    const route = { flowId: published.id, version: published.version, flow };
    if (flow.trigger.keywords?.length) return route;
    fallback ??= route;
  }
  return fallback;
}
