import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A provider outage longer than a send's quick attempts (Meta's 131000 "Something went wrong"
 * for a few seconds): the run waits at its step and sends again later instead of failing the
 * conversation; the customer gets each message once, and what they wrote meanwhile waits in
 * order. Both dialects: the wake-up is the run's durable deadline (timer or job).
 */
const flow = {
  schema: "tern.flow/v1",
  name: "Echo",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_name", type: "ask", text: "Your name?", save: "name", next: "thanks" },
    { id: "thanks", type: "send", text: "Thanks {{ vars.name }}" },
  ],
};

interface RunView {
  id: string;
  status: string;
  waitingFor: { stepId: string; for: string; timeoutAt: number } | null;
  steps: Array<{ stepId: string; status: string; error?: { code: string; message: string } }>;
}

describe("a send the provider refuses for now", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ flow, env: { TERN_SEND_RETRY_MS: "400" } });
  });
  afterAll(async () => {
    await stack.close();
  });

  /** The runs of this test's one customer (the only conversation of the stack). */
  const runsOf = async () => {
    const res = await stack.http("GET", "/api/v1/runs?limit=50");
    const { items } = (await res.json()) as { items: Array<{ id: string }> };
    return Promise.all(
      items.map(async (r) => (await (await stack.http("GET", `/api/v1/runs/${r.id}`)).json()) as RunView),
    );
  };

  it("waits at its step through the outage, then sends once; the customer's next message waits in order", async () => {
    const phone = "15557310001";
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, phone);
    const wa = stack.sandbox.wa;
    // Three quick attempts, and the first of the next round: four refusals as Meta words them.
    wa.failNext(4, { code: 131000, message: "Something went wrong" }, 500);
    await customer.say("hi");
    const waiting = await eventually(async () => {
      const [run] = await runsOf();
      return run?.status === "waiting" && run.waitingFor?.for === "retry" ? run : null;
    });
    expect(waiting.waitingFor).toMatchObject({ stepId: "ask_name", for: "retry" });
    expect(waiting.steps.at(-1)).toMatchObject({
      stepId: "ask_name",
      status: "waiting",
      error: { message: expect.stringContaining("131000") },
    });
    // Written during the outage, before the question reached the customer: it waits its turn in
    // order, and answers nothing (the customer had not seen the question).
    await customer.say("hello?");
    const [question] = await customer.waitForReplies(1, 20_000);
    expect(question?.text).toBe("Your name?");
    await eventually(async () => {
      await stack.tern.worker.idle();
      return (await stack.tern.store.inbox.backlog()) === 0;
    });
    expect(customer.received()).toHaveLength(1);
    await customer.say("Ada");
    const [, thanks] = await customer.waitForReplies(2, 20_000);
    expect(thanks?.text).toBe("Thanks Ada");
    // The last reply leaves before the run's completion is committed. Once it is, nothing more
    // may go out, not even after a send retry's delay (TERN_SEND_RETRY_MS, 400 ms) has passed.
    const [done] = await eventually(
      async () => {
        const runs = await runsOf();
        return runs[0]?.status === "completed" ? runs : null;
      },
      10_000,
      "the run completed",
    );
    await new Promise((r) => setTimeout(r, 500));
    await stack.tern.worker.idle();
    expect(customer.received().map((m) => m.text)).toEqual(["Your name?", "Thanks Ada"]);
    expect(done?.status).toBe("completed");
  });
});
