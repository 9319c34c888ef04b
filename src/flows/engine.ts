import { AppError, pausedUntil, toAppError } from "../core/app-error.js";
import { moveTo } from "./cursor.js";
import { failedRunMessage } from "./failed-run.js";
import type { EngineHost, RunEvent, RunState, StepRecord } from "./runtime.js";
import type { Flow } from "./schema.js";
import type { ReleaseEvent, ResumeEvent, StepDefinition, StepResult } from "./step.js";
import { createStepContext, toMessageView } from "./step-context.js";
import { coreStepRegistry, type StepRegistry } from "./step-registry.js";
import {
  assertDepth,
  createFlowStack,
  enterSubflow,
  type FlowStack,
  recordStepId,
  returnFromSubflows,
} from "./subflow-frames.js";

/**
 * The flow engine: pure state transitions. It executes steps until the run waits or ends and
 * persists after every step through the host. README.md explains how visits, waitpoints and
 * effect keys make a run safe to resume after a crash.
 */

/** The loop guard's default: steps in one advance without waiting (loop-check.ts warns about it). */
export const MAX_STEPS_WITHOUT_WAITING = 100;

export interface EngineOptions {
  steps?: StepRegistry;
  /** Steps executed in one advance without waiting before the run fails as a loop. */
  maxStepsPerAdvance?: number;
  /**
   * The longest a run waits (an `ask` without a timeout, or a longer one): the wait's deadline
   * becomes this, and reaching it ends the run with `endReason` WAIT_EXPIRED. Absent: no limit.
   */
  maxWaitMs?: number;
}

export interface Engine {
  /** A run positioned on the start step (visit 1), not yet executed. */
  newRun(runId: string, flow: Flow, flowVersion: number, flowId?: string): RunState;
  /** Applies one event; returns the new state (the input unchanged when the event does not apply). */
  advance(flow: Flow, state: RunState, event: RunEvent, host: EngineHost): Promise<RunState>;
}

/** What resumes a waiting step: a reply or timeout (`resume`), or a person's release (`release`). */
type Wake = ResumeEvent | ReleaseEvent;
type StepConfig = { id: string; type: string; onError?: string } & Record<string, unknown>;
type Position = { stepId: string; visit: number };
type RecordBase = Pick<StepRecord, "runId" | "visit" | "stepId" | "stepType" | "startedAt" | "endedAt">;

export function createEngine(options: EngineOptions = {}): Engine {
  const registry = options.steps ?? coreStepRegistry;
  const maxSteps = options.maxStepsPerAdvance ?? MAX_STEPS_WITHOUT_WAITING;

  function newRun(runId: string, flow: Flow, flowVersion: number, flowId = ""): RunState {
    const startId = flow.start ?? flow.steps[0]?.id;
    if (!startId) throw new AppError("FLOW_INVALID", "The flow has no steps; add at least one step.");
    const cursor = { stepId: startId, visit: 1 };
    const base = { runId, flowId, flowVersion, status: "running" as const, cursor, visits: 1 };
    return { ...base, vars: {}, steps: {}, wait: null, error: null, message: null };
  }

  async function advance(flow: Flow, input: RunState, event: RunEvent, host: EngineHost): Promise<RunState> {
    const state = structuredClone(input);
    switch (event.type) {
      case "start":
      case "continue":
        if (state.status !== "running" || !state.cursor) return input;
        if (event.type === "start" && event.message) state.message = toMessageView(event.message);
        return run(flow, state, host, undefined);
      case "reply": {
        if (state.status !== "waiting" || state.wait?.for !== "reply") return input;
        const message = toMessageView(event.message);
        state.message = message;
        const receivedAt = event.receivedAt;
        return run(flow, state, host, {
          type: "reply",
          message,
          raw: event.message,
          ...(receivedAt === undefined ? {} : { receivedAt }),
        });
      }
      case "timeout": {
        const timeoutAt = state.wait?.timeoutAt;
        if (state.status !== "waiting" || timeoutAt == null || timeoutAt > host.now()) return input;
        if (state.wait?.expires) return expire(flow, state, host);
        if (state.wait?.for === "retry") {
          // The pause is over: the step runs again with its visit (and so its effect keys).
          state.status = "running";
          state.cursor = { stepId: state.wait.stepId, visit: state.wait.visit };
          state.wait = null;
          return run(flow, state, host, undefined);
        }
        return run(flow, state, host, { type: "timeout" });
      }
      case "release":
        if (state.status !== "waiting" || state.wait?.for !== "handoff") return input;
        return run(flow, state, host, { type: "release", ...(event.note ? { note: event.note } : {}) });
    }
  }

  /** Resumes the waitpoint or executes the cursor, then following steps until a wait or the end. */
  async function run(root: Flow, state: RunState, host: EngineHost, resume: Wake | undefined) {
    const stack = createFlowStack(root, host);
    const trail: string[] = [];
    let pending = resume;
    for (;;) {
      const at: Position | null = pending ? state.wait : state.status === "running" ? state.cursor : null;
      if (!at) return state;
      // Inside a subflow the cursor is in the child flow (the top frame's pinned version).
      let flow: Flow;
      try {
        flow = await stack.current(state);
      } catch (error) {
        if (host.isOutage?.(error)) throw error;
        await failUnexecuted(state, host, at, "unknown", toAppError(error), stack);
        return state;
      }
      const step = indexSteps(flow).get(at.stepId);
      if (trail.length >= maxSteps) {
        await failUnexecuted(state, host, at, step?.type ?? "unknown", loopError(maxSteps, trail), stack);
        return state;
      }
      const def = step && registry.get(step.type);
      if (!step || !def) {
        await failUnexecuted(
          state,
          host,
          at,
          step?.type ?? "unknown",
          missingStep(at.stepId, step?.type, registry),
          stack,
        );
        return state;
      }
      const config = parseConfig(step, def);
      if (config instanceof AppError) {
        await failUnexecuted(state, host, at, step.type, config, stack);
        return state;
      }
      await executeVisit(state, host, config, def, at.visit, pending, stack, options.maxWaitMs);
      pending = undefined;
      trail.push(step.id);
    }
  }

  return { newRun, advance };
}

const stepIndexes = new WeakMap<Flow, Map<string, StepConfig>>();

function indexSteps(flow: Flow): Map<string, StepConfig> {
  let index = stepIndexes.get(flow);
  if (!index) {
    index = new Map(flow.steps.map((step) => [step.id, step as StepConfig]));
    stepIndexes.set(flow, index);
  }
  return index;
}

const parsedConfigs = new WeakMap<StepConfig, StepConfig>();
const conversationMentions = new WeakMap<StepConfig, boolean>();

/** Whether a step's templates or conditions can read `conversation` (once per step object). */
function mentionsConversation(step: StepConfig): boolean {
  let mentions = conversationMentions.get(step);
  if (mentions === undefined) {
    mentions = JSON.stringify(step).includes("conversation");
    conversationMentions.set(step, mentions);
  }
  return mentions;
}

/**
 * Steps are parsed with their type's schema (once per step object), so defaults apply even
 * when the host hands in a flow that did not go through validateFlow.
 */
function parseConfig(step: StepConfig, def: StepDefinition): StepConfig | AppError {
  const cached = parsedConfigs.get(step);
  if (cached) return cached;
  const result = def.config.safeParse(step);
  if (!result.success) {
    const problem = result.error.issues[0];
    const where = problem?.path.join(".") || "(step)";
    return new AppError(
      "FLOW_INVALID",
      `Step "${step.id}" does not match the ${def.type} schema (${where}: ${problem?.message}). Validate the flow and publish it again.`,
    );
  }
  parsedConfigs.set(step, result.data as StepConfig);
  return result.data as StepConfig;
}

async function executeVisit(
  state: RunState,
  host: EngineHost,
  step: StepConfig,
  def: StepDefinition,
  visit: number,
  resume: Wake | undefined,
  stack: FlowStack,
  maxWaitMs: number | undefined,
): Promise<void> {
  const startedAt = host.now();
  const recordId = recordStepId(state, step.id);
  let transcript = "";
  const { ctx, effectCount, lastEffectInput } = createStepContext(state, host, {
    config: step as never,
    visit,
    waitState: resume ? state.wait?.state : undefined,
    effectsBefore: resume ? (state.wait?.effectCount ?? 0) : 0,
    transcript: () => transcript,
  });
  const recordBase = () => ({
    runId: state.runId,
    visit,
    stepId: recordId,
    stepType: step.type,
    startedAt,
    endedAt: host.now(),
  });
  let result: StepResult;
  let child: { flow: Flow; version: number } | undefined;
  try {
    const handler = resume?.type === "release" ? def.release : def.resume;
    if (resume && !handler) throw new AppError("INTERNAL", `Step type "${def.type}" cannot be resumed.`);
    // Templates render synchronously, and the transcript is a database read: fetched up front,
    // only for a step that can show it (it is the conversation so far when the step starts).
    if (mentionsConversation(step)) transcript = await host.transcript();
    result =
      resume?.type === "release" && def.release
        ? await def.release(ctx, resume)
        : resume && resume.type !== "release" && def.resume
          ? await def.resume(ctx, resume)
          : await def.start(ctx);
    if (result.kind === "subflow") {
      assertDepth(state, result.flowId);
      child = await stack.enter(result.flowId);
    }
  } catch (thrown) {
    if (host.isOutage?.(thrown)) throw thrown;
    const error = toAppError(thrown);
    const until = pausedUntil(error.retry);
    const record =
      until === null || resume
        ? applyError(state, step, error, recordBase(), resume !== undefined)
        : applyPause(state, step, visit, error, until, recordBase());
    // Failed at an effect: the record shows what was sent, rendered, as a success would.
    const sent = lastEffectInput();
    await persistStep(state, host, sent === undefined ? record : { ...record, input: sent }, stack);
    return;
  }
  // The maximum wait counts from the wait's start or the contact's last reply: a reminder resumes
  // the step without restarting it, else each reminder let the run wait the maximum again.
  const previous = resume?.type === "timeout" && state.wait?.visit === visit ? state.wait.since : undefined;
  const since = previous ?? host.now();
  if (result.kind === "wait") result = capWait(result, since, maxWaitMs);
  const record =
    result.kind === "subflow" && child
      ? enterSubflow(state, step, visit, result, child, recordBase())
      : applyResult(state, step, visit, result, effectCount(), recordBase(), since);
  await persistStep(state, host, record, stack);
}

/**
 * Persists a finished visit. A child flow that completed or failed returns to its caller first,
 * so the state stored never shows a finished run that still has a caller to continue; the
 * caller's subflow step is recorded again (completed or failed) after the child's last step.
 */
async function persistStep(state: RunState, host: EngineHost, record: StepRecord, stack: FlowStack) {
  const callers = state.frames?.length ? await returnFromSubflows(state, stack, host.now()) : [];
  await host.persist(state, record);
  for (const caller of callers) await host.persist(state, caller);
}

function applyResult(
  state: RunState,
  step: StepConfig,
  visit: number,
  result: StepResult,
  effectCount: number,
  base: RecordBase,
  since: number,
): StepRecord {
  if (result.kind === "subflow") throw new AppError("INTERNAL", "a subflow result is entered, not applied");
  const input = result.input ?? step;
  const output = result.output ?? null;
  if (result.kind === "wait") {
    const { timeoutAt } = result;
    state.status = "waiting";
    state.cursor = { stepId: step.id, visit };
    const waitFor = result.for ?? "reply";
    state.wait = { stepId: step.id, visit, for: waitFor, timeoutAt, state: result.state, effectCount, since };
    if ((result as { expires?: boolean }).expires) state.wait.expires = true;
    if (result.answersFrom !== undefined) state.wait.answersFrom = result.answersFrom;
    return { ...base, status: "waiting", input, output, error: null, next: null };
  }
  state.steps[step.id] = output;
  state.wait = null;
  if (result.kind === "end") {
    state.status = result.status;
    state.cursor = null;
    return { ...base, status: "completed", input, output, error: null, next: null };
  }
  Object.assign(state.vars, result.vars ?? {});
  moveTo(state, result.next);
  return { ...base, status: "completed", input, output, error: null, next: result.next };
}

/**
 * A wait longer than the maximum (or without deadline) gets the maximum, and expires there. A
 * handoff is exempt: it waits for a person, who releases it through the API.
 */
function capWait(result: StepResult, since: number, maxWaitMs: number | undefined): StepResult {
  if (result.kind !== "wait" || maxWaitMs === undefined || result.for === "handoff") return result;
  const limit = since + maxWaitMs;
  if (result.timeoutAt !== null && result.timeoutAt <= limit) return result;
  return { ...result, timeoutAt: limit, expires: true } as StepResult;
}

/** The run waited longer than the maximum: it ends, and its step is recorded as dropped. */
async function expire(flow: Flow, state: RunState, host: EngineHost): Promise<RunState> {
  const wait = state.wait as NonNullable<RunState["wait"]>;
  const now = host.now();
  const reason = {
    code: "WAIT_EXPIRED",
    message: `The run waited at step "${wait.stepId}" longer than the maximum wait (TERN_MAX_WAIT) and was ended.`,
  };
  state.status = "ended";
  state.cursor = null;
  state.wait = null;
  state.endReason = { ...reason, stepId: wait.stepId, at: now };
  const stepType = indexSteps(flow).get(wait.stepId)?.type ?? "unknown";
  await host.persist(state, {
    runId: state.runId,
    visit: wait.visit,
    stepId: wait.stepId,
    stepType,
    status: "dropped",
    input: null,
    output: null,
    error: reason,
    next: null,
    startedAt: now,
    endedAt: now,
  });
  return state;
}

/**
 * The step's connection is paused (its API allowance ran out): not a failure. The run waits at
 * the step until the pause ends, then executes it again; no retry cap applies, so the work is
 * never dropped however long the pause lasts.
 */
function applyPause(
  state: RunState,
  step: StepConfig,
  visit: number,
  error: AppError,
  until: number,
  base: RecordBase,
): StepRecord {
  state.status = "waiting";
  state.cursor = { stepId: step.id, visit };
  state.wait = { stepId: step.id, visit, for: "retry", timeoutAt: until, effectCount: 0 };
  return { ...base, status: "waiting", input: step, output: null, error: errorSummary(error), next: null };
}

/** What a flow sees of a failed step: code, message and the integration's fields to branch on. */
function errorSummary(error: AppError): { code: string; message: string } & Record<string, unknown> {
  return { ...error.flowFields, code: error.code, message: error.message };
}

/** A failed step continues at `onError` with `{ error }` as its output, or fails the run. */
function applyError(
  state: RunState,
  step: StepConfig,
  error: AppError,
  base: RecordBase,
  resumed: boolean,
): StepRecord {
  const summary = errorSummary(error);
  const record = {
    ...base,
    status: "failed" as const,
    input: step,
    output: null,
    error: summary,
    next: null,
  };
  state.wait = null;
  if (typeof step.onError === "string") {
    state.steps[step.id] = { error: summary };
    moveTo(state, step.onError);
    return { ...record, output: { error: summary }, next: step.onError };
  }
  fail(state, step.id, error);
  if (state.error) Object.assign(state.error, { visit: base.visit, resumed });
  return record;
}

function fail(state: RunState, stepId: string, error: AppError): void {
  state.status = "failed";
  state.cursor = null;
  state.wait = null;
  state.error = { code: error.code, message: failedRunMessage(state.runId, error), stepId };
}

/** Fails the run at a step that could not be executed, recording why. */
async function failUnexecuted(
  state: RunState,
  host: EngineHost,
  at: Position,
  stepType: string,
  error: AppError,
  stack: FlowStack,
) {
  const now = host.now();
  const stepId = recordStepId(state, at.stepId);
  fail(state, at.stepId, error);
  await persistStep(
    state,
    host,
    {
      runId: state.runId,
      visit: at.visit,
      stepId,
      stepType,
      status: "failed",
      input: null,
      output: null,
      error: { code: error.code, message: error.message },
      next: null,
      startedAt: now,
      endedAt: now,
    },
    stack,
  );
}

function loopError(maxSteps: number, trail: string[]): AppError {
  const recent = trail.slice(-6).join(" → ");
  return new AppError(
    "FLOW_INVALID",
    `The run executed ${maxSteps} steps without waiting for the contact, so the flow probably loops ` +
      `(last steps: ${recent}). Put an ask step in the loop or change its transitions.`,
    { details: { maxSteps, recentSteps: trail.slice(-20) } },
  );
}

function missingStep(stepId: string, type: string | undefined, registry: StepRegistry): AppError {
  const message =
    type === undefined
      ? `The flow has no step "${stepId}". Validate the flow (POST /api/v1/flows/validate) and publish it again.`
      : `Step "${stepId}" has type "${type}", which this server does not know; known types: ${[...registry.keys()].join(", ")}.`;
  return new AppError("FLOW_INVALID", message, { details: { stepId, type } });
}
