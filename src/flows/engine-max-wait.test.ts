import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { createEngine } from "./engine.js";
import type { RunState } from "./runtime.js";
import { flowOf, HOUR } from "./testing/engine-fixtures.js";
import { createFakeHost, type FakeHost } from "./testing/fake-host.js";

/** TERN_MAX_WAIT (maxWaitMs): how long a run may wait, reminders or not. */
const maxWait = createEngine({ steps: stepRegistry, maxWaitMs: 10 * HOUR });
const flow = flowOf([
  {
    id: "q",
    type: "ask",
    text: "Your name?",
    save: "name",
    timeout: "PT30H",
    reminders: [
      { after: "PT4H", text: "Still there?" },
      { after: "PT8H", text: "Last call" },
      { after: "PT20H", text: "Never sent" },
    ],
    next: "thanks",
    onTimeout: "late",
  },
  { id: "thanks", type: "send", text: "Thanks {{ vars.name }}" },
  { id: "late", type: "send", text: "Timed out" },
]);

const start = (host: FakeHost) =>
  maxWait.advance(
    flow,
    maxWait.newRun("run_1", flow, 1, "flow_1"),
    { type: "start", message: host.inbound("hi") },
    host,
  );
/** Moves the clock to the run's next wake-up and fires it. */
const wake = (state: RunState, host: FakeHost) => {
  host.clock.now = state.wait?.timeoutAt as number;
  return maxWait.advance(flow, state, { type: "timeout" }, host);
};

describe("the maximum wait", () => {
  it("counts from the question, not from each reminder", async () => {
    const host = createFakeHost();
    const asked = host.clock.now;
    let state = await start(host);
    state = await wake(state, host);
    state = await wake(state, host);
    expect(host.sent.map((s) => s.text)).toEqual(["Your name?", "Still there?", "Last call"]);
    expect(state.wait).toMatchObject({ timeoutAt: asked + 10 * HOUR, expires: true });
    state = await wake(state, host);
    expect(state.status).toBe("ended");
    expect(state.endReason).toMatchObject({ code: "WAIT_EXPIRED", stepId: "q", at: asked + 10 * HOUR });
  });

  it("counts again from the contact's reply: a re-ask waits the maximum from there", async () => {
    const host = createFakeHost();
    const numberFlow = flowOf([{ id: "q", type: "ask", text: "Age?", save: "age", expect: "number" }]);
    let state = await maxWait.advance(
      numberFlow,
      maxWait.newRun("run_2", numberFlow, 1, "flow_1"),
      { type: "start", message: host.inbound("hi") },
      host,
    );
    host.clock.now += 9 * HOUR;
    state = await maxWait.advance(
      numberFlow,
      state,
      { type: "reply", message: host.inbound("soon"), inboxId: 1 },
      host,
    );
    expect(state.wait).toMatchObject({ timeoutAt: host.clock.now + 10 * HOUR, expires: true });
  });
});
