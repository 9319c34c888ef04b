import { performance } from "node:perf_hooks";
import { DEFAULT_MAX_WAIT } from "../config.js";
import { parseDurationMs } from "../flows/duration.js";
import { createEngine, type Engine } from "../flows/engine.js";
import type { FlowTestCase, ScriptEvent } from "../flows/flow-test.js";
import type { Flow } from "../flows/schema.js";
import { flowMatchesMessage } from "../flows/trigger.js";
import { stepRegistry } from "../steps.js";
import { describeMessage, type Mismatch, messageMatches, show, showMessage } from "./match.js";
import { checkOutcome, runSummary } from "./outcome.js";
import { type SandboxOrg, startSandboxOrg } from "./sandbox-org.js";
import { createTestHost, type TestHost, testContact } from "./test-host.js";

/**
 * Plays one test case: the real engine with every registered step type, on a TestHost whose
 * Salesforce calls reach a fresh sandbox org, with a simulated clock. Stops at the first script
 * event that diverges; otherwise compares the outcome. Generic: it drives the engine with
 * events (start, reply, timeout) and knows no step type.
 */
export interface CaseFailure {
  /** Where it diverged: `script[3] {"expect":"…"}` or `expect.vars`. */
  where: string;
  mismatches: Mismatch[];
  /** The run's state at that point, e.g. `waiting at ask_company`. */
  run?: string;
}

export interface CaseResult {
  name: string;
  passed: boolean;
  ms: number;
  failure?: CaseFailure;
}

/** Monday 2026-01-05 09:00 UTC: business hours in most time zones that tests care about. */
export const DEFAULT_NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
/** Deadlines one `wait` may fire (reminders, re-tries, waits in a loop) before it gives up. */
const MAX_TIMEOUTS_PER_WAIT = 1_000;

// The server's longest wait (TERN_MAX_WAIT), so a case sees a run expire where Tern would end it.
const engine: Engine = createEngine({
  steps: stepRegistry,
  maxWaitMs:
    parseDurationMs(process.env.TERN_MAX_WAIT ?? "") ?? (parseDurationMs(DEFAULT_MAX_WAIT) as number),
});

class Divergence extends Error {
  constructor(readonly failure: CaseFailure) {
    super(failure.where);
  }
}

export async function runCase(flow: Flow, testCase: FlowTestCase): Promise<CaseResult> {
  const startedAt = performance.now();
  const clock = { now: testCase.now ? Date.parse(testCase.now) : DEFAULT_NOW };
  let org: SandboxOrg | undefined;
  try {
    org = await startSandboxOrg({ now: () => clock.now });
    const failure = await play(flow, testCase, org, clock);
    const ms = Math.round(performance.now() - startedAt);
    return { name: testCase.name, passed: !failure, ms, ...(failure ? { failure } : {}) };
  } catch (error) {
    const failure =
      error instanceof Divergence
        ? error.failure
        : {
            where: "running the case",
            mismatches: [{ path: "error", expected: "none", actual: String(error) }],
          };
    return { name: testCase.name, passed: false, ms: Math.round(performance.now() - startedAt), failure };
  } finally {
    await org?.close();
  }
}

async function play(
  flow: Flow,
  testCase: FlowTestCase,
  org: SandboxOrg,
  clock: { now: number },
): Promise<CaseFailure | undefined> {
  const channel =
    testCase.channel ?? (flow.trigger.type === "message" ? flow.trigger.channels[0] : undefined);
  if (!channel) return setupFailure("channel", 'name the channel type, e.g. "channel": "whatsapp"', "(none)");
  try {
    if (testCase.salesforce) org.apply(testCase.salesforce);
  } catch (error) {
    return setupFailure("salesforce", "the sandbox set up", (error as Error).message);
  }
  // One clock for the engine, the connector and the emulator.
  const host = createTestHost({
    contact: testContact(channel, testCase.contact),
    clock,
    org,
    http: testCase.http,
  });
  const player = createPlayer(flow, testCase, host, org, channel);
  for (const [index, event] of testCase.script.entries()) {
    await player.play(event, `script[${index}] ${JSON.stringify(event)}`, index + 1);
  }
  await player.ensureStarted();
  return checkOutcome(testCase.expect, player.state(), host, org);
}

function setupFailure(path: string, expected: string, actual: string): CaseFailure {
  return { where: "the case's setup", mismatches: [{ path, expected, actual }] };
}

function createPlayer(flow: Flow, testCase: FlowTestCase, host: TestHost, org: SandboxOrg, channel: string) {
  let state = engine.newRun("run_test", flow, 1, "flow_test");
  state.vars = structuredClone(testCase.vars ?? {});
  let isStarted = false;
  /** Sent messages already matched by an `expect` event. */
  let checked = 0;

  const diverge = (where: string, mismatch: Mismatch): never => {
    throw new Divergence({
      where,
      mismatches: [mismatch],
      run: isStarted ? runSummary(state) : "not started (no message or event started it yet)",
    });
  };

  const ensureStarted = async () => {
    if (isStarted) return;
    isStarted = true;
    state = await engine.advance(flow, state, { type: "start" }, host);
  };

  const say = async (text: string | { choice: string }, where: string, inboxId: number) => {
    // A customer taps only a button they were sent (the sandbox refuses other taps alike).
    if (typeof text !== "string" && !host.sent.some((m) => m.choices?.some((c) => c.id === text.choice))) {
      const offered = host.sent.findLast((m) => m.choices?.length)?.choices ?? [];
      diverge(where, {
        path: "say.choice",
        expected:
          offered.length > 0
            ? `the id of a button the flow sent, the newest: ${offered.map((c) => c.id).join(", ")}`
            : "a button the flow sent (send a typed answer as text)",
        actual: `no message offered "${text.choice}"`,
      });
    }
    const message = host.inbound(text);
    if (!isStarted) {
      const tags = host.contact.tags ?? [];
      // Each case is a new conversation: the message that starts it is its first (`on: "first"`).
      if (
        flow.trigger.type === "message" &&
        !flowMatchesMessage(flow, { channel, text: message.content.text, tags, isFirst: true })
      )
        diverge(where, {
          path: "trigger",
          expected: `a message on ${channel} that starts the flow`,
          actual: flow.trigger.channels.includes(channel)
            ? `the trigger ${JSON.stringify(flow.trigger)} does not start on ${show(message.content.text)} from this contact`
            : `the trigger starts on ${flow.trigger.channels.join(", ")} only, and this case plays ${channel} (set the case's "channel")`,
        });
      isStarted = true;
      state = await engine.advance(flow, state, { type: "start", message }, host);
      return;
    }
    if (state.status !== "waiting" || state.wait?.for !== "reply")
      diverge(where, {
        path: "run",
        expected: "a run waiting for the customer's reply",
        actual: `the run is ${runSummary(state)}`,
      });
    state = await engine.advance(flow, state, { type: "reply", message, inboxId }, host);
  };

  const expectMessage = (expected: Extract<ScriptEvent, { expect: unknown }>["expect"], where: string) => {
    const actual = host.sent[checked];
    if (!actual)
      diverge(where, {
        path: `messages[${checked}]`,
        expected: describeMessage(expected),
        actual: "nothing more was sent",
      });
    else if (!messageMatches(expected, actual))
      diverge(where, {
        path: `messages[${checked}]`,
        expected: describeMessage(expected),
        actual: showMessage(actual),
      });
    checked += 1;
  };

  /** Moves the clock, firing every deadline that falls due on the way, each at its own time. */
  const wait = async (duration: string, where: string) => {
    const target = host.clock.now + (parseDurationMs(duration) ?? 0);
    for (let fired = 0; ; fired++) {
      const due = state.status === "waiting" ? state.wait?.timeoutAt : null;
      if (due == null || due > target) break;
      if (fired >= MAX_TIMEOUTS_PER_WAIT)
        diverge(where, { path: "wait", expected: "the run to settle", actual: `${fired} deadlines fired` });
      host.clock.now = Math.max(host.clock.now, due);
      const next = await engine.advance(flow, state, { type: "timeout" }, host);
      if (next === state) break;
      state = next;
    }
    host.clock.now = target;
  };

  const play = async (event: ScriptEvent, where: string, inboxId: number) => {
    if ("say" in event) return say(event.say, where, inboxId);
    if ("salesforce" in event) {
      try {
        org.apply(event.salesforce);
      } catch (error) {
        diverge(where, {
          path: "salesforce",
          expected: "the sandbox set up",
          actual: (error as Error).message,
        });
      }
      return;
    }
    // Anything else happens to a run: one that no message started starts now (API, schedule, …).
    await ensureStarted();
    if ("expect" in event) return expectMessage(event.expect, where);
    return wait(event.wait, where);
  };

  return { play, ensureStarted, state: () => state };
}
