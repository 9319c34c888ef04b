import type { RunState, StepRecord } from "../../flows/runtime.js";

/**
 * A step's state and history record as they are now, serialized: a persist written later (run
 * progress waits for its turn, queue/run-writer.ts) stores this moment's state, not what the
 * engine has changed since. One JSON.stringify of the state instead of a structuredClone now and
 * the stringify at the write.
 */
export interface StepSnapshot {
  run: {
    id: string;
    status: string;
    state: string;
    flowVersion: number;
    timeoutAt: number | null;
    visits: number;
  };
  step: {
    runId: string;
    visit: number;
    stepId: string;
    stepType: string;
    status: string;
    input: string;
    output: string;
    error: string | null;
    next: string | null;
    startedAt: number;
    endedAt: number;
  } | null;
}

export function snapshotStep(state: RunState, record: StepRecord | null): StepSnapshot {
  return {
    run: {
      id: state.runId,
      status: state.status,
      state: JSON.stringify(state),
      flowVersion: state.flowVersion,
      timeoutAt: state.status === "waiting" ? (state.wait?.timeoutAt ?? null) : null,
      visits: state.visits,
    },
    step: record && {
      runId: record.runId,
      visit: record.visit,
      stepId: record.stepId,
      stepType: record.stepType,
      status: record.status,
      input: JSON.stringify(record.input ?? null),
      output: JSON.stringify(record.output ?? null),
      error: record.error ? JSON.stringify(record.error) : null,
      next: record.next,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
    },
  };
}

/**
 * Whether the run repository's `saveSnapshot` writes this snapshot in one statement on PostgreSQL
 * (a carrier): the common step; a dropped wait or a run without a step record takes several.
 */
export const savesAtOnce = ({ run, step }: StepSnapshot): boolean =>
  step !== null && step.status !== "dropped" && step.runId === run.id;
