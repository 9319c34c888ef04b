import { AppError } from "../core/app-error.js";
import { moveTo } from "./cursor.js";
import type { EngineHost, RunState, StepRecord, SubflowFrame } from "./runtime.js";
import type { Flow } from "./schema.js";
import type { StepResult } from "./step.js";
import { type SubflowStep, subflowOutput } from "./steps/subflow.step.js";

/**
 * Subflows run inside the parent's run, on a stack of frames in the run state (README.md,
 * "Subflows"). Entering pushes the caller's vars and step outputs and positions the cursor on the
 * child's start step; when the child completes (or fails) the frame is popped, its `output` vars
 * come back, and the caller continues at the subflow step's `next` (or `onError`). Because it is
 * all state, a subflow survives a crash like any step, and the child's asks take the replies of
 * the conversation with no routing of their own.
 */
export const MAX_SUBFLOW_DEPTH = 8;

type Config = { id: string; type: string; onError?: string } & Record<string, unknown>;
type RecordBase = Pick<StepRecord, "runId" | "visit" | "stepId" | "stepType" | "startedAt" | "endedAt">;

/** The flows a run executes: its own, and the pinned version of each frame's child. */
export interface FlowStack {
  /** The flow at the top of the run's frames (its own when there are none). */
  current(state: RunState): Promise<Flow>;
  /** The published version of a flow to enter (pinned by the caller). */
  enter(flowId: string): Promise<{ flow: Flow; version: number }>;
}

export function createFlowStack(root: Flow, host: EngineHost): FlowStack {
  const load = (flowId: string, version?: number) => {
    if (!host.loadFlow)
      throw new AppError("FLOW_INVALID", "This host cannot run subflows (it has no flow store).");
    return host.loadFlow(flowId, version);
  };
  return {
    async current(state) {
      const top = state.frames?.at(-1);
      return top ? (await load(top.flowId, top.flowVersion)).flow : root;
    },
    enter: (flowId) => load(flowId),
  };
}

/** Run history shows a child's steps under the subflow step that runs them: `call_child/ask_name`. */
export function recordStepId(state: RunState, stepId: string): string {
  const frames = state.frames ?? [];
  return frames.length ? `${frames.map((f) => f.callerStepId).join("/")}/${stepId}` : stepId;
}

/** Refuses a subflow beyond the depth limit (a flow that calls itself, directly or not). */
export function assertDepth(state: RunState, flowId: string): void {
  const depth = state.frames?.length ?? 0;
  if (depth < MAX_SUBFLOW_DEPTH) return;
  const chain = (state.frames ?? []).map((f) => f.flowId).join(" → ");
  throw new AppError(
    "FLOW_INVALID",
    `Subflows nest more than ${MAX_SUBFLOW_DEPTH} deep (${state.flowId} → ${chain} → ${flowId}); a flow probably runs itself. Break the cycle.`,
    { retry: "never" },
  );
}

/** Pushes the caller's frame and positions the run on the child's start step. */
export function enterSubflow(
  state: RunState,
  step: Config,
  visit: number,
  result: Extract<StepResult, { kind: "subflow" }>,
  child: { flow: Flow; version: number },
  base: RecordBase,
): StepRecord {
  const startId = child.flow.start ?? child.flow.steps[0]?.id;
  if (!startId) throw new AppError("FLOW_INVALID", `Flow "${result.flowId}" has no steps.`);
  const input = result.input ?? { flow: result.flowId, vars: result.vars };
  const frame: SubflowFrame = {
    flowId: result.flowId,
    flowVersion: child.version,
    callerStepId: step.id,
    callerVisit: visit,
    callerVars: state.vars,
    callerSteps: state.steps,
    input,
  };
  state.frames = [...(state.frames ?? []), frame];
  state.vars = { ...result.vars };
  state.steps = {};
  state.wait = null;
  moveTo(state, startId);
  const output = { flow: result.flowId, version: child.version };
  return { ...base, status: "waiting", input, output, error: null, next: null };
}

/**
 * After a step: while the run is in a child that completed or failed, returns to its caller.
 * Returns the caller steps' history records (their visit, recorded again now that they finished).
 * A child that ended the run (`end` with `ended`) ends it all.
 */
export async function returnFromSubflows(
  state: RunState,
  stack: FlowStack,
  now: number,
): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  while (state.frames?.length) {
    if (state.status === "ended") {
      state.frames = [];
      break;
    }
    if (state.status !== "completed" && state.status !== "failed") break;
    const frame = state.frames.at(-1) as SubflowFrame;
    state.frames = state.frames.slice(0, -1);
    const caller = (await stack.current(state)).steps.find((s) => s.id === frame.callerStepId) as
      | (Config & Partial<SubflowStep>)
      | undefined;
    records.push(returnTo(state, frame, caller, now));
  }
  if (state.frames?.length === 0) delete state.frames;
  return records;
}

function returnTo(
  state: RunState,
  frame: SubflowFrame,
  caller: (Config & Partial<SubflowStep>) | undefined,
  now: number,
): StepRecord {
  const childVars = state.vars;
  const childError = state.error;
  state.vars = frame.callerVars;
  state.steps = frame.callerSteps;
  state.wait = null;
  state.error = null;
  const base = {
    runId: state.runId,
    visit: frame.callerVisit,
    stepId: recordStepId(state, frame.callerStepId),
    stepType: "subflow",
    input: frame.input,
    startedAt: now,
    endedAt: now,
  };
  if (!childError) {
    const vars = subflowOutput(caller?.output, childVars);
    const output = { flow: frame.flowId, version: frame.flowVersion, vars };
    Object.assign(state.vars, vars);
    state.steps[frame.callerStepId] = output;
    const next = caller?.next ?? null;
    moveTo(state, next);
    return { ...base, status: "completed", output, error: null, next };
  }
  const error = {
    code: childError.code,
    message: `subflow "${frame.flowId}" failed at step "${childError.stepId}": ${childError.message}`,
  };
  if (typeof caller?.onError === "string") {
    state.steps[frame.callerStepId] = { error };
    moveTo(state, caller.onError);
    return { ...base, status: "failed", output: { error }, error, next: caller.onError };
  }
  state.status = "failed";
  state.cursor = null;
  state.error = { ...error, stepId: frame.callerStepId };
  return { ...base, status: "failed", output: null, error, next: null };
}
