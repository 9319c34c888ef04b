import type { Clock } from "../core/clock.js";
import type { EngineHost } from "../flows/runtime.js";
import type { TagTrigger } from "../flows/trigger-schema.js";
import type { Integrations } from "../services/integrations.js";
import type { ContactOnChannel } from "../store/repos/contact-repo.js";
import type { RunRow } from "../store/repos/run-repo.js";
import { savesAtOnce, snapshotStep } from "../store/repos/step-snapshot.js";
import type { Store } from "../store/store.js";
import { createEffects, type EffectsDeps, type RunContext } from "./effects.js";
import { HandedBackError, isStorageFailure, RunNotActiveError } from "./failures.js";
import { createRunWriter } from "./run-writer.js";
import { enqueueTagRuns } from "./triggers.js";

/**
 * What the engine runs a step against (EngineHost), for one run in one conversation: its effects
 * through the outbox, the contact's view and changes, the transcript, and the persist of each
 * step, all through the run's ordered writes (run-writer.ts).
 */
export interface RunHost extends EngineHost {
  /** The inbound messages this advance consumes (one, or a burst): marked processed with the first persist. */
  consume(inboxIds: readonly number[]): void;
  /** Resolves once every write of the run settled; rejects with the first that failed. */
  settled(): Promise<void>;
}

export interface RunHostDeps {
  store: Store;
  clock: Clock;
  integrations: Integrations;
  effectsDeps: EffectsDeps;
  /** Arms the worker's timer for a deadline written with the wait (`runs.timeout_at`). */
  scheduleTimeout(at: number): void;
  /** Published flows started by a tag being added (read before a tag change). */
  tagFlows(): Promise<Array<{ flowId: string; trigger: TagTrigger }>>;
  /** Conversations that got new inbox rows (a tag trigger's run). */
  notify(keys: string[]): void;
  /** A flow for a `subflow` step (the published version when none is given). */
  loadFlow?: EngineHost["loadFlow"];
  /** Jobs: false once this process's job runner may have been presumed dead (runner.ts `holdsLease`). */
  holdsLease?(): boolean;
}

export async function hostFor(
  deps: RunHostDeps,
  run: RunRow,
  contact: ContactOnChannel,
  signal?: AbortSignal,
  answering: Pick<RunContext, "lastInboundAt" | "reply"> = {},
): Promise<RunHost> {
  const { store, clock } = deps;
  const ch = await deps.integrations.channel(run.channelId);
  // Ended elsewhere (`POST /runs/:id/end`, the sandbox stepping aside) while a step was in
  // memory: stop before anything else leaves or is written. A primary-key read per step/effect.
  const assertHeld = (): void => {
    // Jobs: this process gave the conversation up (presumed dead, or stopped past its grace);
    // another process may be running it now, so nothing more may leave from here. The lease is
    // read on the clock: a process paused past it sees so the moment it runs again (a reply it
    // sent then would go out after the ones the next holder sent meanwhile).
    if (signal && (signal.aborted || deps.holdsLease?.() === false)) throw new HandedBackError();
  };
  const assertActive = async (): Promise<void> => {
    assertHeld();
    if (!(await store.runs.isActive(run.id))) throw new RunNotActiveError(run.id);
  };
  // The run's writes (step persists, effect intents and settles) in request order: each starts
  // once the one before resolved (run-writer.ts). SQLite's single writer used to give this
  // order; on a pool of connections (PostgreSQL) only the code can. See queue/README.md.
  const writer = createRunWriter(store);
  let persistError: unknown;
  let markInbox: readonly number[] = [];
  // The address the provider named the person by (send-effects.ts): written with the next persist
  // that leaves the run waiting or done, so a reply never finds the run mid-step under it.
  let readdressTo: string | undefined;
  const view = {
    id: contact.id,
    channel: ch.definition.type,
    address: contact.address,
    phone: contact.phone,
    name: contact.name,
    tags: contact.tags,
    attributes: contact.attributes,
  };
  const host: RunHost = {
    effects: createEffects(deps.effectsDeps, {
      runId: run.id,
      channel: ch,
      contact,
      conversationKey: run.conversationKey,
      ...answering,
      assertActive,
      assertHeld,
      write: writer.write,
      readdress: (address) => {
        readdressTo = address;
      },
    }),
    contact: view,
    // The database went away mid-step: the turn is retried (queue/failures.ts), the step not failed.
    isOutage: isStorageFailure,
    // Through the run's writes, after the step before it; idempotent, so a replayed step may
    // apply it again. The view is updated in place: later templates in this run see it.
    updateContact: async (change) => {
      await assertActive();
      const tagFlows = change.addTags?.length ? await deps.tagFlows() : [];
      const { updated, keys } = await writer.write(
        async (tx) => {
          // Whoever owns the conversation's identity now (a merge may have moved it meanwhile).
          const id = (await tx.contacts.owner(run.channelId, contact.address)) ?? contact.id;
          const before = tagFlows.length ? (await tx.contacts.get(id))?.tags : undefined;
          const changed = await tx.contacts.change(id, change, clock.now());
          // A tag gained starts the flows triggered by it (queue/triggers.ts).
          const queued =
            changed && before
              ? await enqueueTagRuns(tx, tagFlows, id, before, changed.tags, clock.now())
              : [];
          return { updated: changed, keys: queued };
        },
        { durable: false },
      );
      deps.notify(keys);
      if (updated)
        Object.assign(view, { name: updated.name, tags: updated.tags, attributes: updated.attributes });
    },
    transcript: async () =>
      (await store.contacts.messagesOfRun(run.id))
        .map((m) => `${m.direction === "in" ? "Customer" : "Bot"}: ${indentLines(m.text)}`)
        .join("\n"),
    now: () => clock.now(),
    loadFlow: deps.loadFlow,
    persist: async (state, record) => {
      // No status read here: saveStep is a compare-and-set (an ended run stays ended and gets
      // no step record), and every effect reads the status before it leaves (assertActive).
      assertHeld();
      // A write of this turn was lost: stop here, the turn is tried again from what committed.
      if (persistError !== undefined) throw persistError;
      const inboxIds = markInbox;
      markInbox = [];
      const to = state.status === "running" ? undefined : readdressTo;
      if (to !== undefined) readdressTo = undefined;
      // The state as it is now: the engine goes on changing it before this write runs.
      const snapshot = snapshotStep(state, record);
      // Run progress is replayable from durable data (the inbox and effect intents, which are
      // fsynced before any call leaves), so it waits neither for the disk nor for the commit:
      // the run's writes are chained, so an effect's intent always commits after the state
      // that led to it. `settled()` awaits the last one before the lane moves on.
      // The deadline is the row's timeout_at; this arms this process's timer for it (worker.ts) once
      // the row holds it: armed earlier, a timer that fired before the commit found no deadline and
      // slept its longest (60 s), so a reminder shorter than the commit's latency fired that late.
      const deadline = state.status === "waiting" ? state.wait?.timeoutAt : undefined;
      writer
        .write(
          async (tx) => {
            // Compare-and-set: if the run was ended after the check above, it stays ended. The
            // messages it consumed are processed either way.
            await tx.runs.saveSnapshot(snapshot, clock.now(), inboxIds);
            if (to !== undefined) {
              const from = contact.address;
              await tx.runOps.readdress({
                runId: run.id,
                contactId: contact.id,
                channelId: run.channelId,
                from,
                to,
                now: clock.now(),
              });
            }
          },
          // One statement (PostgreSQL), with the settles before it: no transaction needed.
          { durable: false, single: to === undefined && savesAtOnce(snapshot) },
        )
        .then(
          () => {
            if (deadline) deps.scheduleTimeout(deadline);
          },
          (error: unknown) => {
            persistError ??= error;
          },
        );
    },
    settled: async () => {
      await writer.idle();
      if (persistError !== undefined) throw persistError;
    },
    consume(inboxIds) {
      markInbox = inboxIds;
    },
  };
  return host;
}

/**
 * A message's later lines, indented: only a turn starts a line of the transcript, so a customer
 * who types "…\nBot: your refund is approved" cannot pass a line off as the business's in the
 * Case or Lead an agent reads.
 */
export function indentLines(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029\u0085\v\f]/g, "\n  ");
}
