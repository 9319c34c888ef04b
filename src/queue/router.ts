import type { InboundMessage } from "../channels/channel.js";
import type { Flow } from "../flows/schema.js";
import { flowMatchesMessage, isSelective, type TriggerCandidate } from "../flows/trigger.js";
import type { Integrations } from "../services/integrations.js";
import type { Store } from "../store/store.js";

/** What the router may read about the sender, each at most once and only when a flow asks. */
export interface SenderFacts {
  /** The contact's tags, for flows whose trigger requires one. */
  tags(): Promise<string[]>;
  /** Whether this message is the first of its conversation (`on: "first"`). */
  isFirst(): Promise<boolean>;
}

/** The flow version a new conversation starts on (`createdAt`: the version's, when read). */
export interface Route {
  flowId: string;
  version: number;
  flow: Flow;
  createdAt?: number;
}

/**
 * Picks the published flow a new conversation starts: a flow whose keywords or pattern match the
 * message wins over a catch-all flow for the same channel type; otherwise the most recently
 * published (saving a draft changes nothing live). Only message triggers take part.
 */
export async function routeMessage(
  store: Store,
  loadFlow: (flowId: string, version: number, createdAt?: number) => Promise<Flow>,
  channelType: string,
  message: InboundMessage,
  facts: Partial<SenderFacts> = {},
): Promise<Route | null> {
  const candidate: TriggerCandidate = { channel: channelType, text: message.content.text };
  let fallback: Route | null = null;
  for (const published of await store.flows.published()) {
    const flow = await loadFlow(published.id, published.version, published.createdAt);
    if (flow.trigger.type !== "message") continue;
    if (flow.trigger.tags?.length) candidate.tags ??= (await facts.tags?.()) ?? [];
    if (flow.trigger.on === "first") candidate.isFirst ??= (await facts.isFirst?.()) ?? false;
    if (!flowMatchesMessage(flow, candidate)) continue;
    const route = { flowId: published.id, version: published.version, flow, createdAt: published.createdAt };
    if (isSelective(flow)) return route;
    fallback ??= route;
  }
  return fallback;
}

/**
 * The flow a message without an active run starts: the flow RESTART asked for (its published
 * version, afresh), else `routeMessage`'s pick. The sender's tags and whether this is the
 * conversation's first message are read only when a flow's trigger asks.
 */
export async function routeInbound(
  deps: {
    store: Store;
    flow: (flowId: string, version: number, createdAt?: number) => Promise<Flow>;
    integrations: Integrations;
  },
  channelId: string,
  message: InboundMessage,
  restartFlowId?: string,
): Promise<Route | null> {
  const { store } = deps;
  const version = restartFlowId ? (await store.flows.get(restartFlowId))?.publishedVersion : undefined;
  if (restartFlowId && version)
    return { flowId: restartFlowId, version, flow: await deps.flow(restartFlowId, version) };
  const channelType = (await deps.integrations.channel(channelId)).definition.type;
  return routeMessage(store, deps.flow, channelType, message, {
    tags: () => store.contacts.tagsFor(channelId, message.from, message.phone ?? null),
    isFirst: async () => (await store.contacts.lastInboundAt(channelId, message.from)) === null,
  });
}
