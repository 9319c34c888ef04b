import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/core/app-error.js";
import { createEngine } from "../../src/flows/engine.js";
import type { RunState } from "../../src/flows/runtime.js";
import type { Flow } from "../../src/flows/schema.js";
import { defineStep } from "../../src/flows/step.js";
import { coreSteps, createStepRegistry } from "../../src/flows/step-registry.js";
import { createFakeHost } from "../../src/flows/testing/fake-host.js";
import { retryState } from "../../src/queue/run-retry.js";
import { createCustomer } from "../../src/sandbox/stack.js";
import type { RunRow } from "../../src/store/repos/run-repo.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Runs, operated: list waiting and failed runs by flow, step and age; end them one by one or in
 * bulk; retry a failed run from its failed step; waits expire; per-step counts. Real server,
 * store and engine; the clock is real time plus an offset the test moves (days pass at once).
 */
const DAY = 24 * 60 * 60 * 1000;
let offset = 0;
const clock = { now: () => Date.now() + offset };

const flow = {
  schema: "tern.flow/v1",
  name: "Lead",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_name", type: "ask", text: "Your name?", save: "name", next: "ask_email" },
    {
      id: "ask_email",
      type: "ask",
      text: "Your email?",
      save: "email",
      expect: "email",
      maxRetries: 0,
      next: "thanks",
    },
    { id: "thanks", type: "send", text: "Thanks {{ vars.name }}", next: "create_lead" },
    {
      id: "create_lead",
      type: "salesforce.create",
      connection: "salesforce",
      object: "Lead",
      fields: { LastName: "{{ vars.name }}", Company: "Acme", Email: "{{ vars.email }}" },
      next: "done",
    },
    { id: "done", type: "send", text: "Your reference: {{ steps.create_lead.id }}" },
  ],
};

interface RunSummary {
  id: string;
  status: string;
  currentStep: string | null;
  error: { code: string; stepId: string } | null;
  endReason: { code: string; stepId: string | null } | null;
}

describe("runs, operated", () => {
  let stack: Stack;
  let phone = 33633330000;
  // The customer writes on the same clock (the reply window is measured from their messages).
  const customer = () =>
    createCustomer(stack.sandbox, stack.setup.webhookUrl, String(++phone), "Ada", clock.now);
  const json = async <T>(response: Response, status = 200): Promise<T> => {
    const body = await response.text();
    expect(response.status, body).toBe(status);
    return JSON.parse(body) as T;
  };
  const list = (query: string) =>
    stack
      .http("GET", `/api/v1/runs?${query}`)
      .then((r) => json<{ items: RunSummary[]; nextCursor: string | null }>(r));
  /** A customer whose run waits at ask_name (`atEmail`: at ask_email). */
  const waitingCustomer = async (atEmail = false) => {
    const c = customer();
    await c.say("hi");
    await c.waitForReplies(1);
    if (atEmail) {
      await c.say("Ada");
      await c.waitForReplies(2);
    }
    const step = atEmail ? "ask_email" : "ask_name";
    const run = await eventually(async () =>
      (await stack.tern.store.runs.list({ status: "waiting" })).find(
        (r) => r.contactId && r.state.wait?.stepId === step && r.conversationKey.endsWith(c.from),
      ),
    );
    return { c, run };
  };

  beforeAll(async () => {
    stack = await startStack({ flow, clock });
  });
  afterAll(async () => {
    await stack.close();
  });

  it("lists waiting runs by flow, step and age, page by page", async () => {
    const old = await waitingCustomer();
    offset += 3 * DAY;
    await waitingCustomer();
    await waitingCustomer(true);
    const flowId = stack.setup.flowId;
    expect((await list(`flowId=${flowId}&status=waiting&stepId=ask_name`)).items).toHaveLength(2);
    expect((await list(`flowId=${flowId}&stepId=ask_email`)).items).toHaveLength(1);
    const stale = await list(`flowId=${flowId}&status=waiting&olderThan=P2D`);
    expect(stale.items.map((r) => r.id)).toEqual([old.run.id]);
    // Pages of one: every run once, newest first, then no cursor.
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page: { items: RunSummary[]; nextCursor: string | null } = await list(
        `flowId=${flowId}&status=waiting&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    const bad = await stack.http("GET", "/api/v1/runs?olderThan=3 days");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/ISO-8601/);
  });

  it("ends one run; the contact's next message starts the flow afresh", async () => {
    const { c, run } = await waitingCustomer();
    const ended = await json<RunSummary>(await stack.http("POST", `/api/v1/runs/${run.id}/end`));
    expect(ended).toMatchObject({ status: "ended", endReason: { code: "ENDED_BY_API", stepId: "ask_name" } });
    expect((await stack.http("POST", `/api/v1/runs/${run.id}/end`)).status).toBe(409);
    expect((await stack.http("POST", "/api/v1/runs/run_nope/end")).status).toBe(404);
    await c.say("hello again");
    const replies = await c.waitForReplies(2);
    expect(replies[1]?.text).toBe("Your name?");
    // The persist after the question commits just behind the send.
    await eventually(
      async () =>
        (await list(`contactId=${run.contactId}`)).items.map((r) => r.status).join() === "waiting,ended",
    );
  });

  it("ends runs in bulk by the same filters, bounded, and says how many", async () => {
    await waitingCustomer(true);
    await waitingCustomer(true);
    const flowId = stack.setup.flowId;
    const before = (await list(`flowId=${flowId}&status=waiting&stepId=ask_email`)).items.length;
    expect(before).toBeGreaterThanOrEqual(3);
    const first = await json<{ ended: number }>(
      await stack.http("POST", "/api/v1/runs/end", { flowId, stepId: "ask_email", limit: 2 }),
    );
    expect(first.ended).toBe(2);
    const rest = await json<{ ended: number }>(
      await stack.http("POST", "/api/v1/runs/end", { flowId, stepId: "ask_email" }),
    );
    expect(rest.ended).toBe(before - 2);
    expect((await list(`flowId=${flowId}&status=waiting&stepId=ask_email`)).items).toHaveLength(0);
    expect((await list(`flowId=${flowId}&status=waiting&stepId=ask_name`)).items.length).toBeGreaterThan(0);
    const unfiltered = await stack.http("POST", "/api/v1/runs/end", {});
    expect(unfiltered.status).toBe(400);
    expect(await unfiltered.text()).toMatch(/at least one filter/);
  });

  it("ends runs in bulk by channel and start time too, as the list filters them (found by an outside audit)", async () => {
    const early = await waitingCustomer();
    offset += DAY;
    const since = new Date(clock.now()).toISOString();
    const late = await waitingCustomer();
    const end = (body: Record<string, string>) =>
      stack.http("POST", "/api/v1/runs/end", body).then((r) => json<{ ended: number }>(r));
    // Before: 400 "unknown field" for channelId, since and until, which README calls the same filters.
    expect((await end({ channelId: "ch_other", since })).ended).toBe(0);
    expect((await end({ channelId: stack.setup.channelId, since })).ended).toBe(1);
    expect((await stack.tern.store.runs.get(late.run.id))?.status).toBe("ended");
    expect((await stack.tern.store.runs.get(early.run.id))?.status).toBe("waiting");
    expect((await end({ until: since })).ended).toBeGreaterThanOrEqual(1);
    expect((await stack.tern.store.runs.get(early.run.id))?.status).toBe("ended");
  });

  it("retries a failed run from its failed step: the Lead is created once, nothing sent twice", async () => {
    const { c } = await waitingCustomer(true);
    stack.sandbox.sf.failNext(
      400,
      [{ errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", message: "Leads are closed today", fields: [] }],
      { on: "create" },
    );
    await c.say("ada@example.com");
    await c.waitForReplies(3); // "Thanks Ada"
    const failed = await eventually(async () =>
      (await list(`flowId=${stack.setup.flowId}&status=failed&stepId=create_lead`)).items.find(
        (r) => r.status === "failed",
      ),
    );
    const leadsBefore = stack.sandbox.sf.records("Lead").length;
    const retried = await json<RunSummary>(await stack.http("POST", `/api/v1/runs/${failed.id}/retry`));
    expect(retried.status).toBe("running");
    const replies = await c.waitForReplies(4);
    expect(replies[3]?.text).toMatch(/^Your reference: 00Q/);
    type RunDetail = { status: string; steps: Array<{ stepId: string; visit: number; status: string }> };
    const run = await eventually(async () => {
      const r = await json<RunDetail>(await stack.http("GET", `/api/v1/runs/${failed.id}`));
      return r.status === "completed" ? r : null;
    });
    const creates = run.steps.filter((s) => s.stepId === "create_lead");
    expect(creates.map((s) => s.status)).toEqual(["failed", "completed"]);
    expect(creates[1]?.visit).toBeGreaterThan(creates[0]?.visit ?? 0);
    expect(stack.sandbox.sf.records("Lead").length).toBe(leadsBefore + 1);
    expect(c.received().map((m) => m.text)).toEqual([
      "Your name?",
      "Your email?",
      "Thanks Ada",
      expect.stringMatching(/^Your reference/),
    ]);
    // Only a failed run can be retried.
    expect((await stack.http("POST", `/api/v1/runs/${failed.id}/retry`)).status).toBe(409);
  });

  it("retries an ask that failed on invalid answers by asking again", async () => {
    const { c } = await waitingCustomer(true);
    await c.say("not an email");
    const failed = await eventually(async () =>
      (await list(`flowId=${stack.setup.flowId}&status=failed&stepId=ask_email`)).items.find((r) =>
        r.id ? r.error?.code === "VALIDATION_FAILED" : false,
      ),
    );
    await json(await stack.http("POST", `/api/v1/runs/${failed.id}/retry`));
    const replies = await c.waitForReplies(3);
    expect(replies[2]?.text).toBe("Your email?");
  });

  it("expires a wait after the maximum age; the next message starts afresh", async () => {
    const { c, run } = await waitingCustomer();
    // An ask without a timeout still has a deadline: the maximum wait (TERN_MAX_WAIT, 30 days).
    expect(Math.abs((run.timeoutAt ?? 0) - (run.updatedAt + 30 * DAY))).toBeLessThan(1_000);
    expect(run.state.wait?.expires).toBe(true);
    offset += 31 * DAY;
    await c.say("anyone there?");
    const replies = await c.waitForReplies(2);
    expect(replies[1]?.text).toBe("Your name?");
    const expired = await json<RunSummary>(await stack.http("GET", `/api/v1/runs/${run.id}`));
    expect(expired).toMatchObject({
      status: "ended",
      endReason: { code: "WAIT_EXPIRED", stepId: "ask_name" },
    });
    // The fresh run's question reaches the customer before its wait is committed.
    const fresh = await eventually(
      async () => {
        const items = (await list(`contactId=${run.contactId}&status=waiting`)).items;
        return items.length > 0 ? items : null;
      },
      10_000,
      "the fresh run waiting",
    );
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.id).not.toBe(run.id);
  });

  it("ends a run stored waiting without a deadline once the contact writes after the maximum", async () => {
    const { c, run } = await waitingCustomer();
    // As stored before waits had a maximum: no deadline at all.
    const wait = { ...run.state.wait, timeoutAt: null, expires: undefined } as NonNullable<RunState["wait"]>;
    await stack.tern.store.write((tx) => tx.runs.saveStep({ ...run.state, wait }, null, clock.now()));
    expect((await stack.tern.store.runs.get(run.id))?.timeoutAt).toBeNull();
    offset += 31 * DAY;
    await c.say("hello?");
    expect((await c.waitForReplies(2))[1]?.text).toBe("Your name?");
    const ended = await json<RunSummary>(await stack.http("GET", `/api/v1/runs/${run.id}`));
    expect(ended).toMatchObject({ status: "ended", endReason: { code: "WAIT_EXPIRED", stepId: "ask_name" } });
  });

  it("counts each step's visits: entered, completed, dropped, errored", async () => {
    type Stats = {
      steps: Array<{
        stepId: string;
        entered: number;
        completed: number;
        dropped: number;
        errored: number;
        active: number;
      }>;
    };
    // The last test's fresh run asked its question before its visit of ask_name was committed:
    // read stats and runs once every run's visit is in.
    const { stats, runs } = await eventually(
      async () => {
        const stats = await json<Stats>(
          await stack.http(
            "GET",
            `/api/v1/flows/${stack.setup.flowId}/stats?version=${stack.setup.flowVersion}`,
          ),
        );
        const runs = await stack.tern.store.runs.list({ flowId: stack.setup.flowId, limit: 500 });
        const entered = stats.steps.find((s) => s.stepId === "ask_name")?.entered;
        return entered === runs.length ? { stats, runs } : null;
      },
      10_000,
      "every run's visit of ask_name counted",
    );
    const by = Object.fromEntries(stats.steps.map((s) => [s.stepId, s]));
    // Every run entered ask_name; each step's visits are completed, dropped, errored or still active.
    expect(by.ask_name?.entered).toBe(runs.length);
    for (const s of stats.steps) expect(s.completed + s.dropped + s.errored + s.active).toBe(s.entered);
    expect(by.create_lead).toMatchObject({ entered: 2, completed: 1, errored: 1 });
    expect(by.ask_email?.errored).toBe(1);
    expect(by.ask_email?.dropped).toBeGreaterThanOrEqual(3); // the bulk end
    expect(by.ask_name?.dropped).toBeGreaterThanOrEqual(3); // ended one by one, expired twice
    expect((await stack.http("GET", "/api/v1/flows/flow_nope/stats")).status).toBe(404);
    const noVersion = await stack.http("GET", `/api/v1/flows/${stack.setup.flowId}/stats?version=99`);
    expect(noVersion.status).toBe(404);
    expect(((await noVersion.json()) as { error: { message: string } }).error.message).toMatch(
      /no version 99/,
    );
  });

  it("never expires a run a person has (AGENT): a message 31 days later is recorded and the run stays with the person", async () => {
    const { c, run } = await waitingCustomer();
    await c.say("AGENT");
    await eventually(async () => (await stack.tern.store.runs.get(run.id))?.state.wait?.for === "handoff");
    offset += 31 * DAY;
    await c.say("still there?");
    await stack.tern.worker.idle();
    const current = await stack.tern.store.runs.get(run.id);
    expect(current?.status).toBe("waiting");
    expect(current?.state.wait?.for).toBe("handoff");
    // Nothing answered: only the first question went out.
    expect(c.received()).toHaveLength(1);
  });
});

describe("retry and effects that happened before the failure", () => {
  it("reuses the failed visit's keys: a message sent before the step failed is not sent again", async () => {
    let isDown = true;
    const sendThenCall = defineStep({
      type: "test.send_then_call",
      title: "Send, then call",
      version: 1,
      config: (await import("zod")).z.strictObject({
        id: (await import("zod")).z.string(),
        type: (await import("zod")).z.literal("test.send_then_call"),
        next: (await import("zod")).z.string().optional(),
      }),
      async start(ctx) {
        await ctx.effects.send({ text: "Working on it" });
        const out = await ctx.effects.call("crm", "create", {});
        return { kind: "next", next: ctx.config.next ?? null, output: out };
      },
    });
    const engine = createEngine({ steps: createStepRegistry([...coreSteps, sendThenCall]) });
    const host = createFakeHost();
    host.onCall = () => {
      if (isDown) throw new AppError("BAD_REQUEST", "the CRM refused it", { retry: "never" });
      return { id: "1" };
    };
    const flowDef = {
      schema: "tern.flow/v1",
      name: "t",
      trigger: { type: "message" },
      steps: [{ id: "work", type: "test.send_then_call" }],
    } as unknown as Flow;
    const failed = await engine.advance(
      flowDef,
      engine.newRun("run_1", flowDef, 1),
      { type: "continue" },
      host,
    );
    expect(failed.status).toBe("failed");
    isDown = false;
    const row = { id: "run_1", status: "failed", state: failed } as RunRow;
    const retried: RunState = await engine.advance(flowDef, retryState(row), { type: "continue" }, host);
    expect(retried.status).toBe("completed");
    expect(host.sent.map((m) => m.text)).toEqual(["Working on it"]);
    expect(host.persisted.map((p) => [p.record.visit, p.record.status])).toEqual([
      [1, "failed"],
      [2, "completed"],
    ]);
  });
});
