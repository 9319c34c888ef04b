import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowStack, startFlowStack } from "../helpers/flow-stack.js";
import { eventually } from "../helpers/in-process.js";

/**
 * A customer who got the Lead's reference writes "thanks", and a catch-all flow started over:
 * "Hi! What's your name?". A message trigger's `cooldown` keeps a flow from starting again in a
 * conversation for that long after its run there ended; the message is recorded, and another
 * flow that matches (here an older catch-all) may take it.
 */
const COOLDOWN_MS = 2_000;
const leadLike = {
  schema: "tern.flow/v1",
  name: "lead with cooldown",
  trigger: { type: "message", channels: ["whatsapp"], cooldown: "PT2S" },
  steps: [
    { id: "ask", type: "ask", text: "What's your name?", save: "name", next: "done" },
    { id: "done", type: "send", text: "Thanks {{ vars.name }}, we'll be in touch." },
  ],
};
const inbox = {
  schema: "tern.flow/v1",
  name: "anything else",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "noted", type: "send", text: "Noted, a colleague will read it." }],
};

describe("a message trigger's cooldown", () => {
  let flows: FlowStack;
  beforeAll(async () => {
    // Published first, so the cooldown flow (published after it) is the catch-all that wins.
    flows = await startFlowStack([inbox, leadLike]);
  });
  afterAll(async () => {
    await flows?.close();
  });

  const settled = async () => {
    await flows.stack.tern.worker.idle();
    return (await flows.stack.tern.store.inbox.backlog()) === 0;
  };

  it("does not start the flow again within it; another matching flow takes the message; after it, the flow starts again", async () => {
    const customer = flows.customer("33677780001");
    await customer.say("Hi");
    expect((await customer.replies(1))[0]?.text).toBe("What's your name?");
    await customer.say("Ada");
    expect((await customer.replies(2))[1]?.text).toBe("Thanks Ada, we'll be in touch.");
    const [finished] = await eventually(async () => {
      const runs = await customer.runs();
      return runs[0]?.status === "completed" ? runs : null;
    });

    await customer.say("thanks!");
    expect((await customer.replies(3))[2]?.text).toBe("Noted, a colleague will read it.");
    const runs = await customer.runs();
    expect(runs.map((r) => r.flowId)).toEqual([
      expect.not.stringMatching(finished?.flowId ?? ""),
      finished?.flowId,
    ]);

    // Once the cooldown has passed since the run ended, the flow starts as before.
    await eventually(() => Date.now() - (finished?.updatedAt ?? 0) > COOLDOWN_MS + 100, COOLDOWN_MS + 5_000);
    await customer.say("Hello again");
    expect((await customer.replies(4))[3]?.text).toBe("What's your name?");
    expect((await customer.runs())[0]?.flowId).toBe(finished?.flowId);
  });

  it("records the message and starts nothing when no other flow matches", async () => {
    const other = flows.customer("33677780002");
    // Only the cooldown flow: the catch-all "anything else" is unpublished for this test.
    const inboxFlow = (await flows.stack.api.request("GET", "/flows")) as {
      items: Array<{ id: string; name: string }>;
    };
    const inboxId = inboxFlow.items.find((f) => f.name === "anything else")?.id;
    await flows.stack.api.request("POST", `/flows/${inboxId}/unpublish`);

    await other.say("Hi");
    await other.replies(1);
    await other.say("Bo");
    await other.replies(2);
    await eventually(async () => (await other.runs())[0]?.status === "completed");
    await other.say("thanks");
    await eventually(settled);
    expect(other.received()).toHaveLength(2);
    expect(await other.runs()).toHaveLength(1);
    const [contact] = (
      (await flows.stack.api.request("GET", `/contacts?phone=%2B${other.from}`)) as {
        items: Array<{ id: string }>;
      }
    ).items;
    const { messages } = (await flows.stack.api.request("GET", `/contacts/${contact?.id}`)) as {
      messages: Array<{ direction: string; text: string }>;
    };
    expect(messages.filter((m) => m.direction === "in").map((m) => m.text)).toEqual(["Hi", "Bo", "thanks"]);
  });
});
