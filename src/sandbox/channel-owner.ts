import type { Store } from "../store/store.js";
import type { ChannelSimulator } from "./channel-simulator.js";

/**
 * Whether the sandbox channel's stored config is still this process's simulator's. There is one
 * sandbox channel per database, and every `serve` that starts points it at its own simulators,
 * with their own keys (bootstrap.ts): after another one started, a customer this process plays
 * is signed with keys the channel no longer has.
 */
export async function ownsSandboxChannel(
  store: Pick<Store, "channels">,
  channelId: string,
  sim: Pick<ChannelSimulator, "config">,
): Promise<boolean> {
  const row = await store.channels.get(channelId);
  if (!row) return false;
  const stored = row.config as Record<string, unknown>;
  return Object.entries(sim.config).every(
    ([key, value]) => JSON.stringify(stored[key]) === JSON.stringify(value),
  );
}

/** What to do about it, for the API's 409. */
export const SANDBOX_OWNED_ELSEWHERE =
  "Another tern serve on this database started after this one and took over the sandbox: the sandbox channel now holds the keys of that process's simulators, so a customer played here cannot be signed for it. Play the customer through that serve, or restart this one to take the sandbox back.";
