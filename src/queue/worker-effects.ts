import type { EffectsDeps } from "./effects.js";
import { createFallbackChannels } from "./fallback.js";
import { HANDOFF_WEBHOOK, handoffWebhookConnection } from "./handoff-notify.js";
import { createSendPacer } from "./send-pacer.js";
import type { WorkerDeps } from "./worker-deps.js";

/** What the worker's runs act on the world with: connections, the send pacer, SMS fallback. */
export function workerEffectsDeps(deps: WorkerDeps): EffectsDeps {
  const { store, clock, log } = deps;
  const handoffNotify = handoffWebhookConnection(deps.fetch, deps.http);
  return {
    ...deps,
    // A handoff step's notify goes through a built-in connection (handoff-notify.ts).
    connector: async (name) =>
      name === HANDOFF_WEBHOOK ? handoffNotify : deps.integrations.connection(name),
    pacer: createSendPacer(clock, deps.sleep),
    fallbackChannel: createFallbackChannels(store, deps.integrations),
    // `err` as thrown: the logger keeps its stack (AppError.toJSON() would drop it).
    onSettleError: (error) => log.error({ err: error }, "recording a finished effect failed"),
  };
}
