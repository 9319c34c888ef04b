import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Runs, operated on both dialects: the step filter and the per-step counts read the run state's
 * JSON (SQLite json_extract, PostgreSQL jsonb), a retried run is continued by the conversation's
 * job (PostgreSQL) or lane (SQLite), and a wait expires on the durable deadline (timeout job or
 * timer) with no message needed. test/flow-language/runs-operated.test.ts covers the rest.
 */
const flow = {
  schema: "tern.flow/v1",
  name: "Lead",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_name", type: "ask", text: "Your name?", save: "name", next: "create_lead" },
    {
      id: "create_lead",
      type: "salesforce.create",
      connection: "salesforce",
      object: "Lead",
      fields: { LastName: "{{ vars.name }}", Company: "Acme" },
      next: "done",
    },
    { id: "done", type: "send", text: "Ref {{ steps.create_lead.id }}" },
  ],
};

describe("runs, operated (both dialects)", () => {
  let stack: Stack;
  let phone = 33644440000;
  const customer = () => createCustomer(stack.sandbox, stack.setup.webhookUrl, String(++phone));
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await stack.http(method, `/api/v1${path}`, body);
    const text = await response.text();
    expect(response.status, text).toBeLessThan(300);
    return JSON.parse(text) as T;
  };
  beforeAll(async () => {
    // Waits expire after 2 s, so the test sees an abandoned run end on its own.
    stack = await startStack({ flow, env: { TERN_MAX_WAIT: "PT2S" } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it("filters by step, retries a failed run, expires a wait, and counts the steps", async () => {
    const flowId = stack.setup.flowId;
    // A failed run at create_lead, retried once the org accepts the Lead.
    const failing = customer();
    await failing.say("hi");
    await failing.waitForReplies(1);
    stack.sandbox.sf.failNext(400, [{ errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", message: "closed" }], {
      on: "create",
    });
    await failing.say("Ada");
    const failed = await eventually(
      async () =>
        (
          await api<{ items: Array<{ id: string }> }>(
            "GET",
            `/runs?flowId=${flowId}&stepId=create_lead&status=failed`,
          )
        ).items[0],
    );
    await api("POST", `/runs/${failed.id}/retry`);
    const replies = await failing.waitForReplies(2);
    expect(replies[1]?.text).toMatch(/^Ref 00Q/);
    expect(stack.sandbox.sf.records("Lead")).toHaveLength(1);

    // An abandoned wait ends by itself at the maximum age; the next message starts afresh.
    const silent = customer();
    await silent.say("hi");
    await silent.waitForReplies(1);
    const waiting = await eventually(
      async () =>
        (
          await api<{ items: Array<{ id: string }> }>(
            "GET",
            `/runs?flowId=${flowId}&stepId=ask_name&status=waiting`,
          )
        ).items[0],
    );
    const expired = await eventually(
      async () => {
        const run = await api<{ status: string; endReason: { code: string } | null }>(
          "GET",
          `/runs/${waiting.id}`,
        );
        return run.status === "ended" ? run : null;
      },
      5_000,
      "the wait to expire",
    );
    expect(expired.endReason?.code).toBe("WAIT_EXPIRED");
    await silent.say("back again");
    expect((await silent.waitForReplies(2))[1]?.text).toBe("Your name?");

    // The fresh run, once it waits (its question's persist commits behind the send), ended in bulk.
    await eventually(
      async () =>
        (await api<{ items: unknown[] }>("GET", `/runs?flowId=${flowId}&stepId=ask_name&status=waiting`))
          .items.length === 1,
    );
    expect(
      (await api<{ ended: number }>("POST", "/runs/end", { flowId, stepId: "ask_name", status: "waiting" }))
        .ended,
    ).toBe(1);

    const stats = await api<{ steps: Array<{ stepId: string } & Record<string, number>> }>(
      "GET",
      `/flows/${flowId}/stats?version=${stack.setup.flowVersion}`,
    );
    const by = Object.fromEntries(stats.steps.map((s) => [s.stepId, s]));
    expect(by.ask_name).toMatchObject({ entered: 3, completed: 1, dropped: 2, errored: 0, active: 0 });
    expect(by.create_lead).toMatchObject({ entered: 2, completed: 1, dropped: 0, errored: 1 });
    expect(by.done).toMatchObject({ entered: 1, completed: 1 });
  });
});
