import type { InboundMessage } from "../channels/channel.js";
import { AppError, toAppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import type { Engine } from "../flows/engine.js";
import type { EngineHost, MessageView, RunEvent, RunState } from "../flows/runtime.js";
import type { Flow } from "../flows/schema.js";
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

  const channel = (id: string) => deps.integrations.channel(id);
  const effectsDeps: EffectsDeps = { ...deps, connector: (name) => deps.integrations.connection(name) };

  const hostFor = (
    run: RunRow | { id: string; channelId: string; contactId: string },
    contact: Contact,
  ): EngineHost => {
    const ch = channel(run.channelId);
    let markInbox: number | null = null;
    const host: EngineHost & { consume(inboxId: number): void } = {
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
        await store.write(() => {
          store.runs.saveStep(state, record, clock.now());
          if (inboxId !== null) store.inbox.markProcessed(inboxId, clock.now());
        });
        if (state.status === "waiting" && state.wait?.timeoutAt) timer.schedule(state.wait.timeoutAt);
      },
      consume(inboxId) {
        markInbox = inboxId;
      },
    };
    return host;
  };

  const advance = async (run: RunRow, event: RunEvent, inboxId?: number): Promise<void> => {
    const contact = store.contacts.get(run.contactId);
    if (!contact) throw new AppError("INTERNAL", `Contact ${run.contactId} of run ${run.id} is missing`);
    const host = hostFor(run, contact);
    if (inboxId !== undefined) (host as unknown as { consume(id: number): void }).consume(inboxId);
    const flow = deps.flow(run.flowId, run.flowVersion);
    try {
      await engine.advance(flow, run.state, event, host);
    } catch (error) {
      // The engine records step errors itself; reaching here means storage or a bug failed.
      log.error({ runId: run.id, err: toAppError(error).toJSON() }, "run advance failed");
      throw error;
    }
  };

  const processItem = async (item: InboxItem): Promise<void> => {
    const now = clock.now();
    const msg = item.message;
    const active = store.runs.activeFor(item.conversationKey);
    const contact = await store.write(() => {
      const c = store.contacts.upsert(
        item.channelId,
        msg.from,
        msg.phone ?? null,
        msg.profileName ?? null,
        now,
      );
      store.contacts.addMessage({
        channelId: item.channelId,
        contactId: c.id,
        direction: "in",
        text: msg.content.text,
        providerMessageId: msg.providerMessageId,
        effectKey: `in:${item.id}`,
        runId: active?.status === "waiting" ? active.id : null,
        status: "received",
        now,
      });
      if (active?.status === "waiting") store.contacts.assignRun(`in:${item.id}`, active.id);
      return c;
    });

    if (active?.status === "running") {
      // Left mid-step by a crash: finish it before this message is considered.
      await advance(active, { type: "continue" });
      return;
    }
    if (active?.status === "waiting") {
      await advance(active, { type: "reply", message: msg, inboxId: item.id }, item.id);
      await store.write(() => store.inbox.markProcessed(item.id, clock.now()));
      return;
    }

    const route = routeMessage(store, deps.flow, channel(item.channelId).definition.type, msg);
    if (!route) {
      await store.write(() => store.inbox.markProcessed(item.id, clock.now()));
      return;
    }
    const runId = newId("run", now);
    const state: RunState = {
      ...engine.newRun(runId, route.flow, route.version),
      message: toMessageView(msg),
    };
    const row: Omit<RunRow, "updatedAt"> = {
      id: runId,
      flowId: route.flowId,
      flowVersion: route.version,
      channelId: item.channelId,
      contactId: contact.id,
      conversationKey: item.conversationKey,
      status: "running",
      state,
      timeoutAt: null,
      createdAt: now,
    };
    // The run and the consumed message commit together: a crash now leaves a run to continue,
    // never a message that would start a second run.
    await store.write(() => {
      store.runs.insert(row);
      store.contacts.assignRun(`in:${item.id}`, runId);

      store.inbox.markProcessed(item.id, now);
    });
    await advance({ ...row, updatedAt: now }, { type: "start", message: msg, inboxId: item.id });
  };

  const lanes = createLanes({
    drain: (key) => {
      const item = store.inbox.nextPending(key);
      return item ? () => processItem(item) : null;
    },
    onError: (key, error) =>
      log.error({ conversation: key, err: toAppError(error).toJSON() }, "conversation lane failed"),
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

function toMessageView(msg: InboundMessage): MessageView {
  const view: MessageView = {
    id: msg.providerMessageId,
    type: msg.content.type,
    text: msg.content.text,
    timestamp: msg.timestamp,
  };
  if (msg.content.type === "choice") view.choice = { id: msg.content.id, title: msg.content.title };
  return view;
}
