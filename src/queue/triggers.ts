import { newId } from "../core/ids.js";
import type { Flow } from "../flows/schema.js";
import type { TagTrigger } from "../flows/trigger-schema.js";
import type { ControlRequest } from "../store/repos/trigger-repo.js";
import type { Repos, Store } from "../store/store.js";

/**
 * Runs that triggers start without an inbound message (API, signed webhook, schedule, tag added)
 * are queued as inbox rows of the contact's conversation (`ControlRequest`), in the transaction
 * that decided them, and started by the worker in that conversation's turn (control-items.ts).
 */

export type LoadFlow = (flowId: string, version: number, createdAt?: number) => Promise<Flow>;

/** Published flows whose trigger is of this type, with their parsed definitions. */
export async function publishedWithTrigger<T extends Flow["trigger"]["type"]>(
  store: Store,
  loadFlow: LoadFlow,
  type: T,
): Promise<
  Array<{ flowId: string; version: number; flow: Flow; trigger: Extract<Flow["trigger"], { type: T }> }>
> {
  const found = [];
  for (const published of await store.flows.published()) {
    const flow = await loadFlow(published.id, published.version, published.createdAt);
    if (flow.trigger.type === type) {
      const trigger = flow.trigger as Extract<Flow["trigger"], { type: T }>;
      found.push({ flowId: published.id, version: published.version, flow, trigger });
    }
  }
  return found;
}

export type StartRequest = Omit<Extract<ControlRequest, { kind: "trigger" }>, "kind" | "runId"> & {
  runId?: string;
};

/**
 * Inside `store.write`: queues a run of `flowId` in the conversation of (channel, address) and
 * enqueues its conversation's job (PostgreSQL). Returns the run id and the conversation key
 * (null when `uniqueId` was queued before), for `worker.notify` after the commit.
 */
export async function enqueueRun(
  tx: Repos,
  channelId: string,
  request: StartRequest,
  uniqueId: string | null,
  now: number,
): Promise<{ runId: string; key: string | null }> {
  const runId = request.runId ?? newId("run", now);
  const control: ControlRequest = { ...request, kind: "trigger", runId };
  const key = await tx.triggers.enqueue(channelId, request.address, control, uniqueId ?? runId, now);
  if (key) await tx.jobs.conversations([key]);
  return { runId, key };
}

/**
 * Inside `store.write`, after a change to a contact's tags: a run of each `tag` flow naming a tag
 * the contact just gained, on the contact's most recent conversation. A run already active
 * there keeps the conversation (the triggered run is skipped). Returns the conversation keys.
 */
export async function enqueueTagRuns(
  tx: Repos,
  flows: Array<{ flowId: string; trigger: TagTrigger }>,
  contactId: string,
  before: readonly string[],
  after: readonly string[],
  now: number,
): Promise<string[]> {
  const gained = after.filter((tag) => !before.includes(tag));
  if (gained.length === 0) return [];
  const matching = flows.filter((f) => f.trigger.tags.some((tag) => gained.includes(tag)));
  if (matching.length === 0) return [];
  const identity = await tx.triggers.latestIdentity(contactId);
  if (!identity) return [];
  const keys: string[] = [];
  for (const { flowId } of matching) {
    const { key } = await enqueueRun(
      tx,
      identity.channelId,
      { flowId, source: "tag", address: identity.address, input: { tags: gained }, ifBusy: "skip" },
      null,
      now,
    );
    if (key) keys.push(key);
  }
  return keys;
}
