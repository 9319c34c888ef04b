import type { WorkerLoad } from "../connectors/connector.js";
import { AppError, toAppError } from "../core/app-error.js";
import { newId } from "../core/ids.js";
import { maskConversationKey } from "../core/logger.js";
import { createMetrics } from "../core/metrics.js";
import type { RunEvent } from "../flows/runtime.js";
import { toMessageView } from "../flows/step-context.js";
import type { PublishedFlow } from "../store/repos/flow-repo.js";
import { conversationAddress, type InboxItem, type MessageItem } from "../store/repos/inbox-repo.js";
import { abandonedRun, isPastDeadline, type RunRow } from "../store/repos/run-repo.js";
import type { Repos } from "../store/store.js";
import { gatherAnswer } from "./answer-items.js";
import { createHoldTimers, HoldUntil, joinBurst } from "./burst.js";
import { createControlItems } from "./control-items.js";
import { createItemFailures } from "./dead-letter.js";
import { createDeadlineTimer } from "./deadline-firing.js";
import { createEarlyStatusSweep } from "./early-statuses.js";
import { createErasure } from "./erasure.js";
import { HandedBackError, isTransient, RetryLater, RunNotActiveError } from "./failures.js";
import { createFallbackItems } from "./fallback.js";
import { actOnKeyword, createKeywords } from "./global-keywords.js";
import { createJobTasks, type KnownState } from "./job-tasks.js";
import { createLanes } from "./lanes.js";
import { answering } from "./reply-window.js";
import { routeInbound } from "./router.js";
import { hostFor, type RunHost, type RunHostDeps } from "./run-host.js";
import { createScheduler } from "./scheduler.js";
import { publishedWithTrigger } from "./triggers.js";
import type { AdvanceOptions, WorkerDeps } from "./worker-deps.js";
import { workerEffectsDeps } from "./worker-effects.js";

export type { WorkerDeps };

/**
 * The worker turns stored inbox rows into flow runs. One lane per conversation keeps a
 * conversation's messages in arrival order; everything it decides is committed before the
 * next step, so a restart (`recover`) continues exactly where the process stopped.
 */
export function createWorker(deps: WorkerDeps) {
  const { store, clock, engine, log } = deps;
  const isJobs = deps.scheduling === "jobs";
  const failures = createItemFailures({
    store,
    clock,
    log,
    metrics: deps.metrics ?? createMetrics(),
    retryDelayMs: deps.retryDelayMs,
    retry: (key) => lanes.poke(key),
    // A durable timer: the retry survives this process.
    ...(isJobs
      ? {
          scheduleRetry: (key: string, delayMs: number) =>
            store.write((tx) => tx.jobs.conversations([key], clock.now() + delayMs)),
        }
      : {}),
  });

  const keywords = createKeywords(store, clock);
  const routing = { store, flow: deps.flow, integrations: deps.integrations };
  const effectsDeps = workerEffectsDeps(deps);

  const hostDeps: RunHostDeps = {
    store,
    clock,
    integrations: deps.integrations,
    effectsDeps,
    scheduleTimeout: (at) => timer.schedule(at),
    notify: (keys) => notify(keys),
    tagFlows: async () => await publishedWithTrigger(store, deps.flow, "tag"),
    holdsLease: () => lease?.() ?? true,
    // A subflow runs its flow's published version, pinned in the run state when it starts.
    loadFlow: async (flowId, version) => {
      const pinned = version ?? (await store.flows.get(flowId))?.publishedVersion ?? null;
      if (pinned === null)
        throw new AppError(
          "FLOW_NOT_FOUND",
          `No published flow with id "${flowId}" to run as a subflow; publish it, or fix the step's "flow".`,
        );
      return { flow: await deps.flow(flowId, pinned), version: pinned };
    },
  };

  const sendFallback = createFallbackItems({
    store,
    clock,
    integrations: deps.integrations,
    effectsDeps,
    log,
  });

  /** Runs of this process the engine is advancing now (`activeTurns`: Salesforce batching). */
  let turnsInProgress = 0;
  let jobConcurrency = deps.concurrency ?? 64;
  /** Jobs: whether this process's job runner still holds its lease (`useLease`). */
  let lease: (() => boolean) | undefined;

  /** Runs the engine on an event; false when the event did not apply (nothing persisted). */
  const advance = async (run: RunRow, event: RunEvent, options: AdvanceOptions = {}): Promise<boolean> => {
    const { inboxIds, contact: knownContact, signal, arrivedAt } = options;
    let host: RunHost | undefined;
    turnsInProgress++;
    try {
      // The identity of the run's conversation: that is where its sends go.
      const contact =
        knownContact ??
        (await store.contacts.onChannel(
          run.channelId,
          conversationAddress(run.channelId, run.conversationKey),
        ));
      if (!contact) throw new AppError("INTERNAL", `Contact ${run.contactId} of run ${run.id} is missing`);
      const turn = answering(event, run, contact.lastInboundAt, clock.now(), arrivedAt);
      host = await hostFor(hostDeps, run, contact, signal, turn);
      if (inboxIds) host.consume(inboxIds);
      const createdAt =
        run.state.flowVersion === run.flowVersion ? run.state.flowVersionCreatedAt : undefined;
      const flow = options.flow ?? (await deps.flow(run.flowId, run.flowVersion, createdAt));
      const next = await engine.advance(flow, run.state, event, host);
      await host.settled();
      if (next.status === "failed" && run.state.status !== "failed") {
        // Seen in the logs too, not only in the admin API; ids and the code, never message text.
        const { code, stepId } = next.error ?? {};
        log.warn({ runId: run.id, flowId: run.flowId, stepId, code }, "run failed");
      }
      return next !== run.state;
    } catch (error) {
      // Handed back: the run is someone else's now; leave it exactly as it is.
      if (error instanceof HandedBackError) throw error;
      if (error instanceof RunNotActiveError) {
        // Not a failure: the run stays as it was ended; a message handed to it is consumed.
        await host?.settled().catch(() => undefined);
        if (inboxIds) await markProcessed(inboxIds);
        log.info({ runId: run.id }, "run was ended elsewhere; stopped advancing it");
        return true;
      }
      // The engine records step errors itself; reaching here means storage or a bug failed.
      log.error({ runId: run.id, err: error }, "run advance failed");
      // Advancing it again would fail the same way and hold up its conversation: fail the run.
      if (!isTransient(error)) {
        const { code, message } = toAppError(error);
        await store.write((tx) => tx.runs.fail(run.id, { code, message }, clock.now()));
      }
      throw error;
    } finally {
      turnsInProgress--;
    }
  };

  /**
   * For tasks that are not about a message (a timeout, recovery): a run that could not be
   * advanced and was failed for it must not stop its lane (the conversation's pending messages
   * come next); a transient failure does, until the lane is poked again.
   */
  const advanceOrFail = async (
    run: RunRow,
    event: RunEvent,
    signal?: AbortSignal,
    arrivedAt?: number,
  ): Promise<void> => {
    try {
      await advance(run, event, { signal, arrivedAt });
    } catch (error) {
      if (error instanceof HandedBackError || isTransient(error) || (await store.runs.isActive(run.id)))
        throw error;
    }
  };

  const processItem = async (item: InboxItem, signal?: AbortSignal, known?: KnownState): Promise<void> => {
    // Not a customer's message: a sent message failed and goes out again by its fallback.
    if ("fallback" in item) {
      try {
        await sendFallback(item);
        failures.succeeded(item);
      } catch (error) {
        await failures.failed(item, error);
      }
      return;
    }
    let active: RunRow | undefined = known ? known.run : await store.runs.activeFor(item.conversationKey);
    if (isPastDeadline(active, item.receivedAt)) {
      // The message came after the deadline: the deadline fires first, as it would have had its
      // timer not been late (a process down, a backlog); the same on both dialects.
      // The message that came late reopened the reply window: the deadline's message may go.
      await advanceOrFail(
        active,
        { type: "timeout" },
        signal,
        "message" in item ? item.message.timestamp : undefined,
      );
      active = await store.runs.activeFor(item.conversationKey);
    }
    const abandoned = abandonedRun(active, item.receivedAt, deps.maxWaitMs);
    if (abandoned) {
      // Waited without a deadline (stored before waits had a maximum) longer than the maximum.
      const stepId = abandoned.state.wait?.stepId ?? null;
      const message = "The run waited longer than the maximum wait (TERN_MAX_WAIT) and was ended.";
      const reason = { code: "WAIT_EXPIRED", message, stepId, at: clock.now() };
      await store.write((tx) => tx.runOps.end(abandoned.id, reason, clock.now()));
      active = undefined;
    }
    if (active?.status === "waiting" && active.state.wait?.for === "retry") {
      // The run is parked on a paused connection (flows/README.md): the message stays pending,
      // in order, and the pause's deadline (timer or job) wakes the conversation to take it.
      throw new RetryLater(new AppError("CONFLICT", "the conversation's run waits for a paused connection"));
    }
    if (active?.status === "running") {
      // Left mid-step by a crash: finish it first; the message stays pending for the next turn.
      try {
        await advance(active, { type: "continue" }, { signal });
      } catch (error) {
        if (error instanceof HandedBackError) throw error;
        // A run that cannot continue was failed (advance): the message is next, on its own.
        if (!isTransient(error) && !(await store.runs.isActive(active.id))) return;
        await failures.failed(item, error);
      }
      return;
    }
    try {
      // A trigger's request (start a run, release a handoff): control-items.ts.
      if ("control" in item) await control.handle(item, active, signal);
      else {
        // Only a run waiting for a reply may hold the message back or take several (burst.ts);
        // a global keyword is never part of a burst.
        const standsAlone = async (m: MessageItem) => (await keywords.forMessage(m)) !== null;
        const burstDeps = { store, clock, windowMs: deps.burstWindowMs ?? 0, standsAlone };
        // The published flows read with the turn, while the run they were read with still stands.
        const published = known && active === known.run ? known.published : undefined;
        await handleItem(await gatherAnswer(burstDeps, item, active), active, signal, published);
      }
      failures.succeeded(item);
    } catch (error) {
      if (error instanceof HandedBackError || error instanceof HoldUntil) throw error;
      await failures.failed(item, error);
    }
  };

  const markProcessed = (ids: readonly number[]) =>
    store.write(async (tx) => {
      for (const id of ids) await tx.inbox.markProcessed(id, clock.now());
    });

  /** `burst`: the message, or (a run waiting for a reply) the messages that are one answer. */
  const handleItem = async (
    burst: MessageItem[],
    active: RunRow | undefined,
    signal?: AbortSignal,
    /** The published flows as read with the turn (PostgreSQL); else the router reads them. */
    published?: PublishedFlow[],
  ): Promise<void> => {
    const item = burst[0] as MessageItem;
    const msg = joinBurst(burst);
    // Global keywords (STOP, START, AGENT, RESTART) act before any flow: global-keywords.ts.
    const keyword = burst.length === 1 ? await keywords.forMessage(item) : null;
    let restart: Awaited<ReturnType<typeof actOnKeyword>> = null;
    if (keyword) {
      restart = await actOnKeyword({ store, clock }, keyword, item, active);
      if (!restart) return;
      active = undefined;
    }
    const now = clock.now();
    const route = active
      ? null
      : await routeInbound(routing, item.channelId, msg, item.receivedAt, {
          restartFlowId: restart?.restartFlowId,
          published,
        });
    const runId = route ? newId("run", now) : null;
    // One commit records the contact, the messages, and either hands them to the waiting run or
    // starts a new run with the message consumed: a crash leaves a run to continue, never a
    // message that could start a second run.
    const { contact, started } = await store.write(
      async (tx: Repos) => {
        const owner = active?.id ?? runId;
        // Each message of a burst stays its own row in the conversation's history.
        const rowOf = (part: MessageItem) => ({
          channelId: part.channelId,
          text: part.message.content.text,
          providerMessageId: part.message.providerMessageId,
          effectKey: `in:${part.id}`,
          runId: owner,
          status: "received",
          // A burst's messages keep their arrival order in the history.
          now: burst.length > 1 ? Math.min(part.receivedAt, now) : now,
        });
        // The contact and the first message together (one statement on PostgreSQL), then the rest.
        const [first, ...rest] = burst as [MessageItem, ...MessageItem[]];
        const from = [msg.from, msg.phone ?? null, msg.profileName ?? null] as const;
        const stored = await tx.contacts.upsertWithMessage(item.channelId, ...from, now, rowOf(first));
        const c = stored.contact;
        const parts = [{ part: first, isNew: stored.isNew }];
        for (const part of rest)
          parts.push({
            part,
            isNew: await tx.contacts.addMessage({ ...rowOf(part), contactId: c.id, direction: "in" }),
          });
        // A row kept from an earlier attempt may have been stored before its run existed.
        for (const { part, isNew } of parts)
          if (owner && !isNew) await tx.contacts.assignRun(`in:${part.id}`, owner);
        // Once per conversation, at its first message (Meta sends the user id on every one).
        if (msg.alias && !active) await tx.contacts.addAlias(c.id, item.channelId, msg.alias, now);
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
              ...(route.createdAt === undefined ? {} : { flowVersionCreatedAt: route.createdAt }),
              message: toMessageView(msg),
            },
            timeoutAt: null,
            createdAt: now,
            updatedAt: now,
          };
        }
        // Taken by another process meanwhile (this one was presumed dead, PostgreSQL, and its turn
        // went on): the message is theirs, and a second run would greet the customer again.
        // A new run is stored with the message marked processed, in one statement on PostgreSQL.
        if (!active) {
          const isConsumed = row
            ? await tx.runs.insertConsuming(row, item.id, now)
            : await tx.inbox.markProcessed(item.id, now);
          if (!isConsumed) throw new HandedBackError();
        }
        return { contact: c, started: row };
      },
      { durable: false, group: true },
    );

    if (active) {
      const ids = burst.map((b) => b.id);
      // The first persist of the run marks the messages processed in the same commit.
      // The contact as the write above just read it (the conversation's identity): no second read.
      const isConsumed = await advance(
        active,
        {
          type: "reply",
          message: msg,
          inboxId: (burst.at(-1) as MessageItem).id,
          receivedAt: item.receivedAt,
        },
        { inboxIds: ids, contact, signal },
      );
      if (!isConsumed) await markProcessed(ids);
      return;
    }
    // The flow the router picked, as it read it: no second look at the version (PostgreSQL).
    if (started && route)
      await advance(
        started,
        { type: "start", message: msg, inboxId: item.id },
        { contact, signal, flow: route.flow },
      );
  };

  /** After `stop()`: lanes take no more inbox rows. */
  let isStopped = false;
  const lanes = createLanes({
    maxActive: deps.concurrency,
    drain: async (key) => {
      // Stopping: the lanes finish the turns in hand and take no more rows (the next start
      // does). Draining on held a backlog's stop until the shutdown deadline cut it off.
      if (isStopped) return null;
      const item = await store.inbox.nextPending(key);
      return item ? () => processItem(item) : null;
    },
    // The key holds the customer's phone number: logs get it masked.
    onError: (key, error) => {
      if (error instanceof RetryLater) return; // logged, and poked again after its back-off
      if (error instanceof HoldUntil) return holds.wakeAt(key, error.at);
      log.error({ conversation: maskConversationKey(key), err: error }, "conversation lane failed");
    },
  });

  const jobs = createJobTasks({ store, clock, advanceOrFail, processItem });

  const timer = createDeadlineTimer({
    store,
    clock,
    now: () => clock.now(),
    ...(isJobs ? { jobs } : {}),
    lanes,
    advanceOrFail,
    warn: (fields, message) => log.warn(fields, message),
    onError: (error) => log.error({ err: error }, "reading run timeouts failed; looking again shortly"),
  });

  /** Lanes: the conversations whose messages are held for a burst, poked when the window passed. */
  const holds = createHoldTimers(clock, (key) => lanes.poke(key));

  const control = createControlItems({
    store,
    clock,
    engine,
    flow: deps.flow,
    advance: (run, event, inboxId, contact, signal) =>
      advance(run, event, { ...(inboxId === undefined ? {} : { inboxIds: [inboxId] }), contact, signal }),
    scheduleTimeout: (at) => timer.schedule(at),
    log,
  });

  let started = false;
  /** New inbox rows were committed for these conversations (lanes; jobs were enqueued with them). */
  const notify = (keys: string[]): void => {
    if (!started || isJobs) return;
    for (const key of keys) lanes.poke(key);
  };

  // Ingest-only processes sweep too: the webhook that kept a status pokes the one that took it.
  const earlyStatuses = createEarlyStatusSweep({ store, clock, notify, log });

  /**
   * Runs `fn` in the conversation's lane, after the step the worker may be in the middle of:
   * an erasure must not interleave with a message being handled, whose next write would
   * otherwise bring the contact back. Without a worker in this process, nothing interleaves.
   */
  const exclusive = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    if (!started) return fn();
    return new Promise<T>((resolve, reject) => {
      lanes.push(key, () => fn().then(resolve, reject));
    });
  };

  /** A run left `running` (a restart, `POST /runs/:id/retry`): continued in its conversation's turn. */
  const continueInLane = (run: { id: string; conversationKey: string }): void =>
    lanes.push(run.conversationKey, async () => {
      const fresh = await store.runs.get(run.id);
      if (fresh?.status === "running") await advanceOrFail(fresh, { type: "continue" });
    });

  return {
    /** The job engine's tasks (PostgreSQL): `job-tasks.ts`. */
    jobTasks: jobs.tasks,
    enqueueUnfinished: jobs.enqueueUnfinished,
    notify,
    /** A webhook stored statuses of a channel that keeps early ones: apply those now matched. */
    settleEarlyStatuses: () => earlyStatuses.poke(),
    /** The global keywords' settings (`/api/v1/settings/keywords`). */
    keywords,
    /** Schedule triggers (scheduler.ts): started with the worker, `tick()` for tests. */
    schedules: createScheduler({ store, clock, flow: deps.flow, notify, log }),
    /** After a restart: finish runs left mid-step, then process everything still pending. */
    async recover(): Promise<void> {
      started = true;
      earlyStatuses.poke();
      for (const run of await store.runs.running()) continueInLane(run);
      for (const key of await store.inbox.pendingConversations()) lanes.poke(key);
      await timer.start();
    },
    /**
     * Jobs (PostgreSQL): deadlines of waiting runs, from this and every other process, wake their
     * conversation's job (the timer; `recover()` starts it on SQLite). Stopped by `stop()`.
     */
    async startDeadlines(): Promise<void> {
      earlyStatuses.poke();
      if (isJobs) await timer.start();
    },
    /**
     * A run set back to `running` outside the worker (`POST /runs/:id/retry`): continue it in its
     * conversation's turn. Jobs: the write that set it enqueued the conversation's job.
     */
    resume(run: { id: string; conversationKey: string }): void {
      if (!started || isJobs) return; // without a worker here, the next start continues it
      continueInLane(run);
    },
    exclusive,
    /** The right to erasure (`erasure.ts`): `erase` a contact, `erasePendingFrom` a number's waiting messages. */
    ...createErasure({ store, clock, isJobs, exclusive }),
    idle: () => (isJobs ? jobs.idle() : lanes.idle()),
    /** What this process's worker is doing now: a connector batching calls waits only while it pays. */
    load: (): WorkerLoad => ({
      turns: turnsInProgress,
      // Jobs: every slot of the runner busy is the sign that more jobs wait in the database.
      isBacklogged: isJobs ? turnsInProgress >= jobConcurrency : lanes.waiting() > 0,
    }),
    /** Jobs: the job runner's lease check, read before each side effect leaves (run-host.ts). */
    useLease(holdsLease: () => boolean): void {
      lease = holdsLease;
    },
    /** Jobs: the runner's concurrency (`tern worker --concurrency`), for `load`. */
    runsJobsWith(concurrency: number): void {
      jobConcurrency = concurrency;
    },
    stop: () => {
      isStopped = true;
      void earlyStatuses.stop();
      failures.stop();
      timer.stop();
      holds.stop();
    },
    scheduling: isJobs ? ("jobs" as const) : ("lanes" as const),
  };
}
export type Worker = ReturnType<typeof createWorker>;
