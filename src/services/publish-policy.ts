import { z } from "zod";
import type { RunState } from "../flows/runtime.js";
import type { Repos } from "../store/store.js";

/**
 * What publishing does to runs waiting on another version of the flow. `stay` (the default): a
 * run finishes on the version it started on. `move`: a run waiting at a step whose id exists in
 * the new version with the same type (so its wait, e.g. an ask's re-ask count, means the same
 * thing there) continues on the new version at that step; the others stay. A run inside a
 * subflow stays: its position is in the child flow, not in this one.
 */
export const WaitingRunsPolicy = z
  .enum(["stay", "move"])
  .describe(
    "stay (default): waiting runs finish on the version they started on. move: runs waiting at a step that exists in the new version (same id and type) continue there; the rest stay",
  );
export type WaitingRunsPolicy = z.infer<typeof WaitingRunsPolicy>;

export interface MoveOutcome {
  moved: number;
  stayed: number;
}

type StepTypes = Map<string, string>;

/** Inside the publish's `store.write`, so publishing and moving commit together. */
export async function moveWaitingRuns(
  tx: Repos,
  flowId: string,
  target: { version: number; definition: unknown },
  now: number,
): Promise<MoveOutcome> {
  const targetSteps = stepTypes(target.definition);
  const versions = new Map<number, StepTypes>([[target.version, targetSteps]]);
  const typesOf = async (version: number): Promise<StepTypes> => {
    let types = versions.get(version);
    if (!types) {
      types = stepTypes((await tx.flows.version(flowId, version))?.definition);
      versions.set(version, types);
    }
    return types;
  };
  let moved = 0;
  let stayed = 0;
  for (const run of await tx.runs.waitingOnOtherVersions(flowId, target.version)) {
    const next = movedState(run.state, await typesOf(run.flowVersion), targetSteps, target.version);
    if (next && (await tx.runs.moveToVersion(run.id, run.stateJson, next, now))) moved++;
    else stayed++;
  }
  return { moved, stayed };
}

/** The run's state on the new version, or null when it cannot move. */
function movedState(
  state: RunState,
  fromSteps: StepTypes,
  toSteps: StepTypes,
  toVersion: number,
): RunState | null {
  const wait = state.wait;
  if (state.status !== "waiting" || !wait || (state.frames?.length ?? 0) > 0) return null;
  const type = fromSteps.get(wait.stepId);
  if (!type || toSteps.get(wait.stepId) !== type) return null;
  const { flowVersionCreatedAt: _, ...rest } = state;
  return { ...rest, flowVersion: toVersion };
}

function stepTypes(definition: unknown): StepTypes {
  const steps = (definition as { steps?: unknown } | undefined)?.steps;
  const out: StepTypes = new Map();
  if (!Array.isArray(steps)) return out;
  for (const step of steps as Array<{ id?: unknown; type?: unknown }>) {
    if (typeof step?.id === "string" && typeof step.type === "string") out.set(step.id, step.type);
  }
  return out;
}
