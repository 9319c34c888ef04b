import type { InboundMessage } from "../channels/channel.js";
import { parseDurationMs } from "../flows/duration.js";
import type { Flow } from "../flows/schema.js";
import { flowMatchesMessage, isSelective, type TriggerCandidate } from "../flows/trigger.js";
import type { Integrations } from "../services/integrations.js";
import type { PublishedFlow } from "../store/repos/flow-repo.js";
import { conversationKey } from "../store/repos/inbox-repo.js";
import type { Store } from "../store/store.js";

/** What the router may read about the sender, each at most once and only when a flow asks. */
export interface SenderFacts {
  /** The contact's tags, for flows whose trigger requires one. */
  tags(): Promise<string[]>;
  /** Whether this message is the first of its conversation (`on: "first"`). */
  isFirst(): Promise<boolean>;
  /** Whether a run of this flow ended in the conversation less than `withinMs` before the message (`cooldown`). */
  endedWithin(flowId: string, withinMs: number): Promise<boolean>;
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
  /** The published flows if already read (with the conversation's turn); else read here. */
  publishedFlows?: readonly PublishedFlow[],
): Promise<Route | null> {
  const candidate: TriggerCandidate = { channel: channelType, text: message.content.text };
  let fallback: Route | null = null;
  for (const published of publishedFlows ?? (await store.flows.published())) {
    const flow = await loadFlow(published.id, published.version, published.createdAt);
    if (flow.trigger.type !== "message") continue;
    if (flow.trigger.tags?.length) candidate.tags ??= (await facts.tags?.()) ?? [];
    if (flow.trigger.on === "first") candidate.isFirst ??= (await facts.isFirst?.()) ?? false;
    if (!flowMatchesMessage(flow, candidate)) continue;
    const cooldownMs = flow.trigger.cooldown ? parseDurationMs(flow.trigger.cooldown) : null;
    if (cooldownMs && (await facts.endedWithin?.(published.id, cooldownMs))) continue;
    const route = { flowId: published.id, version: published.version, flow, createdAt: published.createdAt };
    if (isSelective(flow)) return route;
    fallback ??= route;
  }
  return fallback;
}

/**
 * The flow a message without an active run starts: the flow RESTART asked for (its published
 * version, afresh), else `routeMessage`'s pick. The sender's tags, whether this is the
 * conversation's first message and when a flow last ended there are read only when a flow's
 * trigger asks. A cooldown counts to `receivedAt`, when the message arrived: a message handled
 * late (a restart, a backlog) is judged as it would have been at once.
 */
export async function routeInbound(
  deps: {
    store: Store;
    flow: (flowId: string, version: number, createdAt?: number) => Promise<Flow>;
    integrations: Integrations;
  },
  channelId: string,
  message: InboundMessage,
  receivedAt: number,
  options: {
    /** The flow RESTART asked for. */
    restartFlowId?: string | undefined;
    /** The published flows, read with the conversation's turn (PostgreSQL). */
    published?: readonly PublishedFlow[] | undefined;
  } = {},
): Promise<Route | null> {
  const { restartFlowId } = options;
  const { store } = deps;
  const version = restartFlowId ? (await store.flows.get(restartFlowId))?.publishedVersion : undefined;
  if (restartFlowId && version)
    return { flowId: restartFlowId, version, flow: await deps.flow(restartFlowId, version) };
  const channelType = (await deps.integrations.channel(channelId)).definition.type;
  return routeMessage(
    store,
    deps.flow,
    channelType,
    message,
    {
      tags: () => store.contacts.tagsFor(channelId, message.from, message.phone ?? null),
      isFirst: async () => (await store.contacts.lastInboundAt(channelId, message.from)) === null,
      endedWithin: async (flowId, withinMs) => {
        const contactId = await store.contacts.owner(channelId, message.from);
        if (!contactId) return false;
        const key = conversationKey(channelId, message.from);
        const ended = await store.runs.lastEndedAt(contactId, key, flowId);
        return ended !== null && receivedAt - ended < withinMs;
      },
    },
    options.published,
  );
}
