import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import type { Integrations } from "../services/integrations.js";
import type { FallbackRequest } from "../store/repos/delivery-statuses.js";
import type { InboxItem } from "../store/repos/inbox-repo.js";
import type { Store } from "../store/store.js";
import { createEffects, type EffectsDeps, type SendChannel } from "./effects.js";

/**
 * SMS fallback (issue 9): a send step with `fallback` sends the same text through another channel
 * to the contact's phone when its own channel cannot deliver it. Two moments:
 * - the send itself fails as undeliverable (WhatsApp 131047, 131026): `effects.ts` falls back at
 *   once, inside the step;
 * - a `failed` status arrives later, within the step's window: ingest queues a fallback item in the
 *   conversation (`inbox-repo.ts` applyStatus) and the worker sends it here, in the conversation's
 *   turn, once (the fallback is its own outbox effect), noting it on the step's history.
 * A delivered message never falls back, and a message falls back at most once.
 */

/**
 * The channel a step names as its fallback: by id, then name, then type (when exactly one channel
 * has it), among the channels of the same owner as the run's, so a user's run never falls back to
 * a sandbox channel nor the sandbox to a user's.
 */
export function createFallbackChannels(store: Store, integrations: Integrations) {
  return async (ref: string, fromChannelId: string): Promise<SendChannel> => {
    const all = await store.channels.list();
    const owner = all.find((c) => c.id === fromChannelId)?.owner;
    const mine = all.filter((c) => c.owner === owner && c.id !== fromChannelId);
    const byId = mine.find((c) => c.id === ref);
    const byName = mine.filter((c) => c.name === ref);
    const byType = mine.filter((c) => c.type === ref);
    const match =
      byId ?? (byName.length === 1 ? byName[0] : undefined) ?? (byType.length === 1 ? byType[0] : undefined);
    if (!match) {
      const why =
        byName.length > 1 || byType.length > 1
          ? `more than one channel is named or typed "${ref}"; name the fallback by channel id`
          : `no channel has the id, name or type "${ref}"`;
      throw new AppError("CHANNEL_NOT_FOUND", `The send step's fallback cannot be used: ${why}.`, {
        retry: "never",
      });
    }
    return integrations.channel(match.id);
  };
}

/** The visit number inside an effect key (`runId:visit:n`, step-context.ts). */
function visitOf(effectKey: string): number | null {
  const parts = effectKey.split(":");
  const visit = Number(parts[parts.length - 2]);
  return Number.isInteger(visit) ? visit : null;
}

export interface FallbackItemDeps {
  store: Store;
  clock: Clock;
  integrations: Integrations;
  effectsDeps: EffectsDeps;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

/** Handles a queued fallback item (in the conversation's turn): the send, the history note, done. */
export function createFallbackItems(deps: FallbackItemDeps) {
  const { store, clock, log } = deps;
  return async (item: Extract<InboxItem, { fallback: FallbackRequest }>): Promise<void> => {
    const request = item.fallback;
    const original = await store.contacts.messageByEffectKey(request.effectKey);
    const contact = original && (await store.contacts.get(original.contactId));
    if (!original?.runId || !contact) {
      // Erased meanwhile, or not a flow's message: nothing to send.
      await store.write((tx) => tx.inbox.markProcessed(item.id, clock.now()));
      return;
    }
    const runId = original.runId;
    const channel = await deps.integrations.channel(original.channelId);
    // The address on the failed channel (unused by the fallback, which goes to the phone).
    const identity = (await store.contacts.identities(contact.id)).find((i) => i.channelId === channel.id);
    const effects = createEffects(deps.effectsDeps, {
      runId,
      channel,
      contact: { ...contact, address: identity?.address ?? "" },
    });
    let note: Record<string, unknown>;
    try {
      const receipt = await effects.fallBack(
        request.effectKey,
        { text: original.text },
        { channel: request.channel, onFailedStatusWithinMs: 0 },
        request.reason,
      );
      note = { ...receipt.fallback, providerMessageId: receipt.providerMessageId };
    } catch (error) {
      // A fallback that cannot go (no phone, no such channel, refused) is recorded, not retried forever.
      if (!(error instanceof AppError) || error.retry !== "never") throw error;
      log.warn({ runId, err: error }, "fallback send failed");
      note = { reason: request.reason, error: { code: error.code, message: error.message } };
    }
    const visit = visitOf(request.effectKey);
    await store.write(async (tx) => {
      if (visit !== null) await tx.runs.noteFallback(runId, visit, note);
      await tx.inbox.markProcessed(item.id, clock.now());
    });
    log.info({ runId }, "message sent again through its fallback channel after a failed status");
  };
}
