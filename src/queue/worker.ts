import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { maskConversationKey } from "../core/logger.js";
import type { Engine } from "../flows/engine.js";
import type { EngineHost, RunEvent } from "../flows/runtime.js";
import type { Flow } from "../flows/schema.js";
import { toMessageView } from "../flows/step-context.js";
import type { Integrations } from "../services/integrations.js";
import type { Contact } from "../store/repos/contact-repo.js";
import type { InboxItem } from "../store/repos/inbox-repo.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { Store } from "../store/store.js";
import { createEffects, type EffectsDeps } from "./effects.js";
import { createLanes } from "./lanes.js";
import { routeMessage } from "./router.js";
import { createTimer } from "./timer.js";

/**
 * The worker turns stored inbox rows into flow runs. One lane per conversation keeps a
 * conversation's messages in arrival order; everything it decides is committed before the
 * next step, so a restart (`recover`) continues exactly where the process stopped.
 */
export interface WorkerDeps extends Omit<EffectsDeps, "store" | "clock" | "connector"> {
  store: Store;
  integrations: Integrations;
  clock: Clock;
  engine: Engine;
  /** Conversations processed at once (default 64). */
  concurrency?: number;
  /** Parsed, validated flow definition of a stored version (cached by the caller). */
  flow(flowId: string, version: number): Flow;
  log: {
    info(o: object, m?: string): void;
    warn(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
}

export function createWorker(deps: WorkerDeps) {
  const { store, clock, engine, log } = deps;

  const effectsDeps: EffectsDeps = {
    ...deps,
    connector: (name) => deps.integrations.connection(name),
    // `err` as thrown: the logger keeps its stack (AppError.toJSON() would drop it).
    onSettleError: (error) => log.error({ err: error }, "recording a finished effect failed"),
  };

  const hostFor = (
    run: RunRow,
    contact: Contact,
  ): EngineHost & { consume(inboxId: number): void; settled(): Promise<void> } => {
    const ch = deps.integrations.channel(run.channelId);
    let markInbox: number | null = null;
    let lastPersist: Promise<void> = Promise.resolve();
    let persistError: unknown;
    const host: EngineHost & { consume(inboxId: number): void; settled(): Promise<void> } = {
      effects: createEffects(effectsDeps, { runId: run.id, channel: ch, contact }),
      contact: {
        id: contact.id,
        channel: ch.definition.type,
        address: contact.address,
        phone: contact.phone,
        name: contact.name,
      },
      transcript: () =>
        store.contacts
          .messagesOfRun(run.id)
          .map((m) => `${m.direction === "in" ? "Customer" : "Bot"}: ${m.text}`)
          .join("\n"),
      now: () => clock.now(),
      persist: async (state, record) => {
        const inboxId = markInbox;
        markInbox = null;
        // Run progress is replayable from durable data (the inbox and effect intents, which are
        // fsynced before any call leaves), so it waits neither for the disk nor for the commit:
        // writes commit in request order, so an effect's intent always commits after the state
        // that led to it. `settled()` awaits the last one before the lane moves on.
        lastPersist = store
          .write(
            () => {
              store.runs.saveStep(state, record, clock.now());
              if (inboxId !== null) store.inbox.markProcessed(inboxId, clock.now());
            },
            { durable: false },
          )
          .catch((error: unknown) => {
            persistError ??= error;
          });
        if (state.status === "waiting" && state.wait?.timeoutAt) timer.schedule(state.wait.timeoutAt);
      },
      settled: async () => {
        await lastPersist;
        if (persistError !== undefined) throw persistError;
      },
      consume(inboxId) {
        markInbox = inboxId;
      },
    };
    return host;
  };

  /** Runs the engine on an event; false when the event did not apply (nothing persisted). */
  const advance = async (
    run: RunRow,
    event: RunEvent,
    inboxId?: number,
    knownContact?: Contact,
  ): Promise<boolean> => {
    const contact = knownContact ?? store.contacts.get(run.contactId);
    if (!contact) throw new AppError("INTERNAL", `Contact ${run.contactId} of run ${run.id} is missing`);
    const host = hostFor(run, contact);
    if (inboxId !== undefined) host.consume(inboxId);
    const flow = deps.flow(run.flowId, run.flowVersion);
    try {
      const next = await engine.advance(flow, run.state, event, host);
      await host.settled();
      return next !== run.state;
    } catch (error) {
      // The engine records step errors itself; reaching here means storage or a bug failed.
      log.error({ runId: run.id, err: error }, "run advance failed");
      throw error;
    }
  };

  const processItem = async (item: InboxItem): Promise<void> => {
    const now = clock.now();
    const msg = item.message;
    const active = store.runs.activeFor(item.conversationKey);
    if (active?.status === "running") {
      // Left mid-step by a crash: finish it first; the message stays pending for the next turn.
      await advance(active, { type: "continue" });
      return;
    }
    const route = active
      ? null
      : routeMessage(store, deps.flow, deps.integrations.channel(item.channelId).definition.type, msg);
    const runId = route ? newId("run", now) : null;
    // One commit records the contact, the message, and either hands it to the waiting run or
    // starts a new run with it consumed: a crash leaves a run to continue, never a message
    // that could start a second run.
    const { contact, started } = await store.write(
      () => {
        const c = store.contacts.upsert(
          item.channelId,
          msg.from,
          msg.phone ?? null,
          msg.profileName ?? null,
          now,
        );
        const owner = active?.id ?? runId;
        store.contacts.addMessage({
          channelId: item.channelId,
          contactId: c.id,
          direction: "in",
          text: msg.content.text,
          providerMessageId: msg.providerMessageId,
          effectKey: `in:${item.id}`,
          runId: owner,
          status: "received",
          now,
        });
        if (owner) store.contacts.assignRun(`in:${item.id}`, owner);
        let row: RunRow | null = null;
        if (route && runId) {
          row = {
            id: runId,
            flowId: route.flowId,
            flowVersion: route.version,
            channelId: item.channelId,
            contactId: c.id,
            conversationKey: item.conversationKey,
            status: "running",
            state: {
              ...engine.newRun(runId, route.flow, route.version, route.flowId),
              message: toMessageView(msg),
            },
            timeoutAt: null,
            createdAt: now,
            updatedAt: now,
          };
          store.runs.insert(row);
        }
        if (!active) store.inbox.markProcessed(item.id, now);
        return { contact: c, started: row };
      },
      { durable: false },
    );

    if (active) {
      // The first persist of the run marks the message processed in the same commit.
      const isConsumed = await advance(active, { type: "reply", message: msg, inboxId: item.id }, item.id);
      if (!isConsumed) await store.write(() => store.inbox.markProcessed(item.id, clock.now()));
      return;
    }
    if (started)
      await advance(started, { type: "start", message: msg, inboxId: item.id }, undefined, contact);
  };

  const lanes = createLanes({
    maxActive: deps.concurrency,
    drain: (key) => {
      const item = store.inbox.nextPending(key);
      return item ? () => processItem(item) : null;
    },
    // The key holds the customer's phone number: logs get it masked.
    onError: (key, error) =>
      log.error({ conversation: maskConversationKey(key), err: error }, "conversation lane failed"),
  });

  const timer = createTimer({
    clock,
    next: () => store.runs.nextTimeoutAt(),
    fire: () => {
      for (const run of store.runs.dueTimeouts(clock.now())) {
        lanes.push(run.conversationKey, async () => {
          const fresh = store.runs.get(run.id);
          if (fresh?.status === "waiting") await advance(fresh, { type: "timeout" });
        });
      }
    },
  });

  let started = false;
  return {
    /** New inbox rows were committed for these conversations. */
    notify(keys: string[]): void {
      if (!started) return;
      for (const key of keys) lanes.poke(key);
    },
    /** After a restart: finish runs left mid-step, then process everything still pending. */
    recover(): void {
      started = true;
      for (const run of store.runs.running()) {
        lanes.push(run.conversationKey, async () => {
          const fresh = store.runs.get(run.id);
          if (fresh?.status === "running") await advance(fresh, { type: "continue" });
        });
      }
      for (const key of store.inbox.pendingConversations()) lanes.poke(key);
      timer.start();
    },
    idle: () => lanes.idle(),
    stop: () => timer.stop(),
  };
}
export type Worker = ReturnType<typeof createWorker>;
