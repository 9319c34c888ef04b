import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A message waiting to be sent again after a provider outage (queue/send-effects.ts), whose run
 * then ends from outside its steps: an operator ends it, or its channel is deleted. No round will
 * send it any more, so it says `failed` and why, not `sending` for good, and the step record that
 * waited is `dropped`, not `waiting` under an ended run. Found trying it from outside.
 */
const flow = {
  schema: "tern.flow/v1",
  name: "Ask",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "ask_name", type: "ask", text: "Your name?", save: "name" }],
};

interface RunView {
  id: string;
  status: string;
  error: { code: string } | null;
  endReason: { code: string; stepId: string | null; message: string } | null;
  steps: Array<{ stepId: string; status: string }>;
}
interface MessageView {
  direction: string;
  text: string;
  status: string;
  errors: Array<{ code: string; title: string; message?: string }> | null;
}

describe("a run ended while its message waits to be sent again", () => {
  let stack: Stack;
  beforeAll(async () => {
    // Rounds far apart: nothing is tried again while the test looks.
    stack = await startStack({ flow, env: { TERN_SEND_RETRY_MS: "60000" } });
  });
  afterAll(async () => {
    await stack.close();
  });

  const waitingRun = async (phone: string) => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, phone);
    // Three quick attempts refused as Meta words an outage: the run waits for the next round.
    stack.sandbox.wa.failNext(3, { code: 131000, message: "Something went wrong" }, 500);
    await customer.say("hi");
    return eventually(async () => {
      const { items } = (await (await stack.http("GET", "/api/v1/runs?limit=50")).json()) as {
        items: Array<{ id: string; status: string; contactId: string }>;
      };
      const [run] = items.filter((r) => r.status === "waiting");
      return run?.id ?? null;
    });
  };
  const runOf = async (on: Stack, id: string) =>
    (await (await on.http("GET", `/api/v1/runs/${id}`)).json()) as RunView;
  const sentBy = async (on: Stack, id: string) => {
    const { items } = (await (await on.http("GET", `/api/v1/runs/${id}/messages`)).json()) as {
      items: MessageView[];
    };
    return items.filter((m) => m.direction === "out");
  };
  const expectClosed = async (on: Stack, runId: string) => {
    const run = await runOf(on, runId);
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([["ask_name", "dropped"]]);
    expect(await sentBy(on, runId)).toEqual([
      expect.objectContaining({
        text: "Your name?",
        status: "failed",
        errors: [
          {
            code: "CHANNEL_SEND_FAILED",
            title: "Not sent: the run ended while the message waited to be sent again.",
            message: expect.stringContaining("131000"),
          },
        ],
      }),
    ]);
    return run;
  };

  it("ended through the API: the message is failed, the waiting step dropped", async () => {
    const runId = await waitingRun("15557310011");
    expect((await sentBy(stack, runId))[0]?.status).toBe("sending");
    expect((await stack.http("POST", `/api/v1/runs/${runId}/end`)).status).toBe(200);
    expect((await expectClosed(stack, runId)).status).toBe("ended");
  });

  it("its channel deleted: the run ends with it (CHANNEL_DELETED), and the same is closed", async () => {
    // Rounds close together, every attempt refused: the next round is what finds no channel.
    const quick = await startStack({ flow, env: { TERN_SEND_RETRY_MS: "300" } });
    try {
      const customer = createCustomer(quick.sandbox, quick.setup.webhookUrl, "15557310012");
      quick.sandbox.wa.failNext(1000, { code: 131000, message: "Something went wrong" }, 500);
      await customer.say("hi");
      const runId = await eventually(async () => {
        const { items } = (await (await quick.http("GET", "/api/v1/runs?limit=5")).json()) as {
          items: Array<{ id: string; status: string }>;
        };
        return items[0]?.status === "waiting" ? items[0].id : null;
      });
      expect((await quick.http("DELETE", `/api/v1/channels/${quick.setup.channelId}`)).status).toBe(204);
      // Ended by the delete itself, not at a later round that finds no channel.
      const run = await runOf(quick, runId);
      expect(run.status).toBe("ended");
      expect(run.endReason).toMatchObject({
        code: "CHANNEL_DELETED",
        stepId: "ask_name",
        message: expect.stringContaining(quick.setup.channelId),
      });
      await expectClosed(quick, runId);
    } finally {
      await quick.close();
    }
  });
  it("its channel deleted while runs wait for a reply: they end with it at once, not after their timeout or 30 days", async () => {
    const other = await startStack({ flow });
    try {
      const customers = ["15557310021", "15557310022", "15557310023"].map((phone) =>
        createCustomer(other.sandbox, other.setup.webhookUrl, phone),
      );
      for (const customer of customers) {
        await customer.say("hi");
        await customer.waitForReplies(1);
      }
      const waiting = await eventually(async () => {
        const { items } = (await (await other.http("GET", "/api/v1/runs?status=waiting")).json()) as {
          items: Array<{ id: string }>;
        };
        return items.length === 3 ? items : null;
      });
      expect((await other.http("DELETE", `/api/v1/channels/${other.setup.channelId}`)).status).toBe(204);
      for (const { id } of waiting) {
        const run = await runOf(other, id);
        expect(run.status).toBe("ended");
        expect(run.endReason?.code).toBe("CHANNEL_DELETED");
        expect(run.steps.map((st) => [st.stepId, st.status])).toEqual([["ask_name", "dropped"]]);
      }
      const { items } = (await (await other.http("GET", "/api/v1/runs?status=waiting")).json()) as {
        items: unknown[];
      };
      expect(items).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
