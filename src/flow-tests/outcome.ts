import type { FlowTestOutcome } from "../flows/flow-test.js";
import type { RunState } from "../flows/runtime.js";
import type { EmulatorRecord } from "../sandbox/salesforce/index.js";
import {
  describeMessage,
  type Mismatch,
  messageMatches,
  show,
  showMessage,
  subsetMismatches,
} from "./match.js";
import type { CaseFailure } from "./run-case.js";
import type { SandboxOrg } from "./sandbox-org.js";
import type { TestHost } from "./test-host.js";

/** The outcome of a case once its script has played, compared with what the case expects. */

/** The run's state in a word or a sentence, e.g. `waiting at ask_company`. */
export function runSummary(state: RunState): string {
  if (state.status === "waiting" && state.wait)
    return state.wait.for === "retry"
      ? `waiting to retry ${state.wait.stepId} (its connection is paused)`
      : `waiting at ${state.wait.stepId}`;
  if (state.status === "failed" && state.error)
    return `failed at ${state.error.stepId}: ${state.error.code}: ${state.error.message}`;
  return state.status;
}

export function checkOutcome(
  expected: FlowTestOutcome | undefined,
  state: RunState,
  host: TestHost,
  org: SandboxOrg,
): CaseFailure | undefined {
  if (!expected) return undefined;
  const checks: Array<[string, () => Mismatch[]]> = [
    ["expect.status", () => statusMismatches(expected.status, state)],
    ["expect.vars", () => (expected.vars ? subsetMismatches(expected.vars, state.vars, "vars") : [])],
    ["expect.records", () => recordMismatches(expected.records, org.created, "created")],
    ["expect.updated", () => recordMismatches(expected.updated, org.updated, "updated")],
    ["expect.messages", () => messageMismatches(expected.messages, host)],
  ];
  const failed = checks
    .map(([where, check]) => ({ where, mismatches: check() }))
    .filter((c) => c.mismatches.length);
  if (failed.length === 0) return undefined;
  return {
    where: `the end: ${failed.map((f) => f.where).join(", ")}`,
    mismatches: failed.flatMap((f) => f.mismatches),
    run: runSummary(state),
  };
}

function statusMismatches(expected: FlowTestOutcome["status"], state: RunState): Mismatch[] {
  if (!expected || expected === state.status) return [];
  return [{ path: "status", expected: show(expected), actual: `"${runSummary(state)}"` }];
}

function recordMismatches(
  expected: FlowTestOutcome["records"],
  actualOf: (object: string) => EmulatorRecord[],
  verb: "created" | "updated",
): Mismatch[] {
  const key = verb === "created" ? "records" : "updated";
  return Object.entries(expected ?? {}).flatMap(([object, records]) => {
    const actual = actualOf(object);
    if (actual.length !== records.length) {
      const got = actual.length === 0 ? `none ${verb}` : `${actual.length} ${verb}: ${show(actual)}`;
      return [{ path: `${key}.${object}`, expected: `${records.length} ${verb}`, actual: got }];
    }
    return records.flatMap((fields, i) => subsetMismatches(fields, actual[i], `${key}.${object}[${i}]`));
  });
}

function messageMismatches(expected: FlowTestOutcome["messages"], host: TestHost): Mismatch[] {
  if (!expected) return [];
  const length = Math.max(expected.length, host.sent.length);
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < length; i++) {
    const want = expected[i];
    const got = host.sent[i];
    if (want !== undefined && got !== undefined && messageMatches(want, got)) continue;
    mismatches.push({
      path: `messages[${i}]`,
      expected: want === undefined ? "no more messages" : describeMessage(want),
      actual: got === undefined ? "nothing more was sent" : showMessage(got),
    });
  }
  return mismatches;
}
