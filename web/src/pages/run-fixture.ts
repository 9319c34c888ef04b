import type { RunSummary } from "../api/types";

/** A run as GET /api/v1/runs lists it, for the run pages' unit tests; `over` changes fields. */
export const runSummary = (over: Partial<RunSummary>): RunSummary => ({
  id: "run_1",
  flowId: "flow_1",
  flowVersion: 1,
  channelId: "ch_1",
  contactId: "ct_1",
  status: "running",
  currentStep: null,
  waitingFor: null,
  error: null,
  endReason: null,
  createdAt: "2026-12-07T06:11:21.647Z",
  updatedAt: "2026-12-07T06:11:21.680Z",
  ...over,
});
