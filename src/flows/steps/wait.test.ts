import { describe, expect, it } from "vitest";
import { engine, flowOf, reply, startRun } from "../testing/engine-fixtures.js";
import { createFakeHost } from "../testing/fake-host.js";
import { validateFlow } from "../validate.js";

describe("wait", () => {
  const untilFlow = flowOf([
    { id: "at", type: "set", vars: { when: "2026-01-02T09:00:00+01:00" }, next: "pause" },
    { id: "pause", type: "wait", until: "{{ vars.when }}", next: "go" },
    { id: "go", type: "send", text: "Good morning." },
  ]);

  it("waits until a templated moment, keeps waiting through replies, then goes on", async () => {
    const host = createFakeHost({ now: Date.UTC(2026, 0, 1, 12) });
    let state = await startRun(untilFlow, host);
    const at = Date.parse("2026-01-02T08:00:00Z");
    expect(state.wait).toMatchObject({ stepId: "pause", timeoutAt: at });
    state = await reply(untilFlow, state, host, "hello?");
    expect(state).toMatchObject({ status: "waiting", wait: { timeoutAt: at } });
    expect(state.message?.text).toBe("hello?");
    // Early: the timeout does not apply.
    expect(await engine.advance(untilFlow, state, { type: "timeout" }, host)).toBe(state);
    host.clock.now = at;
    state = await engine.advance(untilFlow, state, { type: "timeout" }, host);
    expect(state.status).toBe("completed");
    expect(state.steps.pause).toEqual({ until: "2026-01-02T08:00:00.000Z", messages: 1 });
    expect(host.sent.map((s) => s.text)).toEqual(["Good morning."]);
  });

  it("needs exactly one of duration and until", () => {
    const check = (step: Record<string, unknown>) =>
      validateFlow({
        schema: "tern.flow/v1",
        name: "t",
        trigger: { type: "message", channels: ["whatsapp"] },
        steps: [{ id: "w", type: "wait", ...step }],
      }).errors.map((e) => e.path);
    expect(check({})).toEqual(["$.steps[0].duration"]);
    expect(check({ duration: "PT1M", until: "2026-01-01" })).toEqual(["$.steps[0].until"]);
    expect(check({ duration: "PT1M" })).toEqual([]);
    expect(check({ duration: "P1M" })).toEqual(["$.steps[0].duration"]);
  });

  it("refuses a literal until that is no moment with a zone; a template is checked when it runs", () => {
    const errors = (until: string) =>
      validateFlow({
        schema: "tern.flow/v1",
        name: "t",
        trigger: { type: "message", channels: ["whatsapp"] },
        steps: [{ id: "w", type: "wait", until }],
      }).errors;
    expect(errors("next tuesday")).toEqual([
      {
        path: "$.steps[0].until",
        stepId: "w",
        message: expect.stringMatching(
          /^step "w": "next tuesday" is not a date and time with a zone; use ISO 8601/,
        ),
      },
    ]);
    expect(errors("2026-12-24T09:00:00")).toHaveLength(1);
    expect(errors("2026-12-24T09:00:00+01:00")).toEqual([]);
    expect(errors("2026-12-24")).toEqual([]);
    expect(errors("{{ vars.when }}")).toEqual([]);
  });

  it("refuses a day the month does not have instead of waiting for the next month's", async () => {
    const validationErrors = (until: string) =>
      validateFlow({
        schema: "tern.flow/v1",
        name: "t",
        trigger: { type: "message", channels: ["whatsapp"] },
        steps: [{ id: "w", type: "wait", until }],
      }).errors.map((e) => e.path);
    expect(validationErrors("2026-02-30")).toEqual(["$.steps[0].until"]);
    expect(validationErrors("2026-04-31T09:00:00Z")).toEqual(["$.steps[0].until"]);
    expect(validationErrors("2028-02-29T09:00:00+01:00")).toEqual([]);
    const flow = flowOf([
      { id: "at", type: "set", vars: { when: "2026-02-30T09:00:00Z" }, next: "pause" },
      { id: "pause", type: "wait", until: "{{ vars.when }}", next: "go", onError: "bad" },
      { id: "go", type: "send", text: "Good morning." },
      { id: "bad", type: "send", text: "{{ steps.pause.error.code }}" },
    ]);
    const host = createFakeHost({ now: Date.UTC(2026, 0, 1, 12) });
    const state = await startRun(flow, host);
    expect(state.status).toBe("completed");
    expect(host.sent.map((s) => s.text)).toEqual(["VALIDATION_FAILED"]);
  });
});
