import { createEngine } from "../../src/flows/engine.js";
import type { RunState } from "../../src/flows/runtime.js";
import type { Flow } from "../../src/flows/schema.js";
import type { Store } from "../../src/store/store.js";

const oneSendFlow = { steps: [{ id: "hello", type: "send", text: "Hi" }] } as unknown as Flow;

/** A run of a one-step flow, stored directly (repository tests): its fresh state is returned. */
export async function insertTestRun(
  store: Store,
  id: string,
  options: { status?: "running" | "waiting"; conversationKey?: string; timeoutAt?: number | null } = {},
): Promise<RunState> {
  const state = createEngine().newRun(id, oneSendFlow, 1, "flow_1");
  await store.write((tx) =>
    tx.runs.insert({
      id,
      flowId: "flow_1",
      flowVersion: 1,
      channelId: "ch_1",
      contactId: "ct_1",
      conversationKey: options.conversationKey ?? "ch_1:1555",
      status: options.status ?? "running",
      state,
      timeoutAt: options.timeoutAt ?? null,
      createdAt: 1,
    }),
  );
  return state;
}
