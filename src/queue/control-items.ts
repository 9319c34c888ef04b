import type { Clock } from "../core/clock.js";
import type { Engine } from "../flows/engine.js";
import type { RunEvent } from "../flows/runtime.js";
import type { Flow } from "../flows/schema.js";
import type { ContactOnChannel } from "../store/repos/contact-repo.js";
import type { InboxItem } from "../store/repos/inbox-repo.js";
import { endReasonFor } from "../store/repos/run-operations.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { ControlRequest } from "../store/repos/trigger-repo.js";
import type { Repos, Store } from "../store/store.js";

type ControlItem = Extract<InboxItem, { control: ControlRequest }>;
type TriggerRequest = Extract<ControlRequest, { kind: "trigger" }>;

export interface ControlItemDeps {
  store: Store;
  clock: Clock;
  engine: Engine;
  flow(flowId: string, version: number, createdAt?: number): Promise<Flow>;
  /** The worker's: runs the engine on an event for a run of this conversation. */
  advance(
    run: RunRow,
    event: RunEvent,
    inboxId?: number,
    contact?: ContactOnChannel,
    signal?: AbortSignal,
  ): Promise<boolean>;
  /** Arm the worker's timer for a restored deadline. */
  scheduleTimeout(at: number): void;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

/**
 * What a trigger asked for, in the conversation's turn (queued as inbox rows by
 * `queue/triggers.ts`): start a run of a flow for the conversation's contact, or release a run a
 * person had. Each marks its row processed in the commit that acts on it.
 */
export function createControlItems(deps: ControlItemDeps) {
  const { store, clock, log } = deps;
  const done = (item: ControlItem) => store.write((tx) => tx.inbox.markProcessed(item.id, clock.now()));

  /** The run a trigger starts, as it is inserted: running, its vars the trigger's input. */
  const newRunOf = (
    item: ControlItem,
    req: TriggerRequest,
    flow: Flow,
    version: number,
    contactId: string,
    now: number,
  ): RunRow => ({
    id: req.runId,
    flowId: req.flowId,
    flowVersion: version,
    channelId: item.channelId,
    contactId,
    conversationKey: item.conversationKey,
    status: "running",
    state: { ...deps.engine.newRun(req.runId, flow, version, req.flowId), vars: { ...req.input } },
    timeoutAt: null,
    createdAt: now,
    updatedAt: now,
  });

  /** Inside `store.write`: the contact the trigger names, made (or found) on its channel. */
  const contactOf = (tx: Repos, item: ControlItem, req: TriggerRequest, now: number): Promise<string> =>
    tx.triggers.ensureIdentity(item.channelId, req.address, req.phone ?? null, req.name ?? null, now);

  /**
   * Inside `store.write`: a trigger that starts no run is done; a caller that holds its run id
   * (API, flow webhook, Try it) finds the run `ended` with `RUN_SKIPPED` and the reason.
   */
  const recordNotStarted = async (
    tx: Repos,
    item: ControlItem,
    req: TriggerRequest,
    flow: Flow,
    version: number,
    contactId: string,
    reason: string,
    now: number,
  ): Promise<void> => {
    if (req.source === "api" || req.source === "webhook" || req.source === "try") {
      const run = newRunOf(item, req, flow, version, contactId, now);
      await tx.runs.insert({
        ...run,
        status: "ended",
        state: {
          ...run.state,
          status: "ended",
          cursor: null,
          error: { code: "RUN_SKIPPED", message: reason, stepId: "" },
        },
      });
    }
    await tx.inbox.markProcessed(item.id, now);
  };

  const start = async (
    item: ControlItem,
    req: TriggerRequest,
    active: RunRow | undefined,
    signal?: AbortSignal,
  ): Promise<void> => {
    const summary = await store.flows.get(req.flowId);
    // Try it names a version (a draft never published can be tried); other triggers run the published one.
    const version = summary ? (req.version ?? summary.publishedVersion) : null;
    const now = clock.now();
    if (!version) {
      log.warn(
        { flowId: req.flowId, runId: req.runId },
        "triggered flow is no longer published; no run started",
      );
      // Unpublished between the trigger's 202 and its turn: the caller holding the run id finds it
      // ended and why, not a 404 for ever. A deleted flow takes its runs with it: nothing to show.
      if (summary) {
        const latest = await deps.flow(req.flowId, summary.latestVersion);
        const reason = `Not started: flow "${latest.name}" was unpublished before the run's turn came.`;
        await store.write(async (tx) => {
          const contactId = await contactOf(tx, item, req, now);
          await recordNotStarted(tx, item, req, latest, summary.latestVersion, contactId, reason, now);
        });
      } else await done(item);
      return;
    }
    const flow = await deps.flow(req.flowId, version);
    // A person has the conversation (handoff): no trigger takes it from them. Schedule and tag
    // triggers never interrupt a run either. An API caller holds the run id: it finds the run
    // `ended` with the reason. Try it is the exception: its customer is the sandbox's, whoever
    // tries the flow plays the person too, and a Restart that a handoff refused would leave that
    // customer stuck (a handoff has no deadline).
    const isHandedOff = active?.state.wait?.for === "handoff" && req.source !== "try";
    if (active && (req.ifBusy === "skip" || isHandedOff)) {
      log.info(
        { flowId: req.flowId, activeRunId: active.id },
        "contact is in another run; triggered run skipped",
      );
      const reason = isHandedOff
        ? `Not started: a person has this conversation (run ${active.id} is handed off).`
        : `Not started: the contact is in run ${active.id} of this conversation.`;
      await store.write((tx) =>
        recordNotStarted(tx, item, req, flow, version, active.contactId, reason, now),
      );
      return;
    }
    const row = await store.write(
      async (tx) => {
        if (active) {
          await tx.runOps.end(
            active.id,
            endReasonFor(
              active,
              {
                code: "RUN_REPLACED",
                message: `Ended: run ${req.runId} of flow "${flow.name}" was started for this conversation (${req.source} trigger).`,
              },
              now,
            ),
            now,
          );
        }
        const run = newRunOf(item, req, flow, version, await contactOf(tx, item, req, now), now);
        await tx.runs.insert(run);
        await tx.inbox.markProcessed(item.id, now);
        return run;
      },
      { durable: false },
    );
    const contact = await store.contacts.onChannel(item.channelId, req.address);
    await deps.advance(row, { type: "start" }, undefined, contact, signal);
  };

  const release = async (
    item: ControlItem,
    req: Extract<ControlRequest, { kind: "release" }>,
    signal?: AbortSignal,
  ): Promise<void> => {
    const run = await store.runs.get(req.runId);
    if (run?.status !== "waiting") {
      await done(item);
      return;
    }
    const paused = run.state.handoff;
    if (paused) {
      // The AGENT keyword paused the run where it was: it waits as before (a deadline that
      // passed meanwhile fires now).
      const state = { ...run.state, wait: paused.wait, handoff: null };
      const at = paused.wait.timeoutAt;
      await store.write(async (tx) => {
        await tx.triggers.replaceWait(state, clock.now());
        await tx.inbox.markProcessed(item.id, clock.now());
      });
      if (at !== null) deps.scheduleTimeout(at);
      return;
    }
    // The step's persist marks the row processed in its commit; a release that did not apply, here.
    const event: RunEvent = { type: "release", ...(req.note ? { note: req.note } : {}) };
    const isApplied =
      run.state.wait?.for === "handoff" && (await deps.advance(run, event, item.id, undefined, signal));
    if (!isApplied) await done(item);
  };

  return {
    async handle(item: ControlItem, active: RunRow | undefined, signal?: AbortSignal): Promise<void> {
      const req = item.control;
      if (req.kind === "trigger") return start(item, req, active, signal);
      return release(item, req, signal);
    },
  };
}
