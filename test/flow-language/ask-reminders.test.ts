import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowStack, keywordFlow, startFlowStack } from "../helpers/flow-stack.js";
import { eventually } from "../helpers/in-process.js";

/** ask's reminders and maxAttempts through the real engine, store and timer (short real durations). */
const remindFlow = keywordFlow("quote", [
  {
    id: "q",
    type: "ask",
    text: "How many cars?",
    save: "cars",
    expect: "number",
    // The answer after the reminder must beat the timeout on a loaded CI machine too: 2.5 s apart.
    timeout: "PT3S",
    reminders: [{ after: "PT0.5S", text: "Still there? Just a number is fine." }],
    maxAttempts: 1,
    next: "thanks",
    onTimeout: "bye",
    onInvalid: "human",
  },
  { id: "thanks", type: "send", text: "Quote for {{ vars.cars }} cars coming up." },
  { id: "bye", type: "send", text: "Write again any time." },
  { id: "human", type: "send", text: "A person will call you." },
]);

describe("ask reminders and maxAttempts", () => {
  let env: FlowStack;
  beforeAll(async () => {
    env = await startFlowStack([remindFlow]);
  });
  afterAll(async () => {
    await env.close();
  });

  it("reminds once before the timeout while unanswered, then takes onTimeout", async () => {
    const customer = env.customer("4915100000301");
    await customer.say("quote");
    const replies = await customer.replies(3);
    expect(replies.map((r) => r.text)).toEqual([
      "How many cars?",
      "Still there? Just a number is fine.",
      "Write again any time.",
    ]);
    const gaps = [
      replies[1]!.receivedAt - replies[0]!.receivedAt,
      replies[2]!.receivedAt - replies[0]!.receivedAt,
    ];
    expect(gaps[0]).toBeGreaterThanOrEqual(400);
    expect(gaps[1]).toBeGreaterThanOrEqual(2_900);
    const run = await eventually(async () => (await customer.runs()).find((r) => r.status === "completed"));
    expect(run.state.steps.q).toEqual({ timedOut: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(customer.received()).toHaveLength(3);
  });

  it("an answer after the reminder is taken; maxAttempts 1 sends an invalid one to onInvalid", async () => {
    const customer = env.customer("4915100000302");
    await customer.say("quote");
    await customer.replies(2);
    await customer.say("3");
    expect((await customer.replies(3))[2]?.text).toBe("Quote for 3 cars coming up.");

    const other = env.customer("4915100000303");
    await other.say("quote");
    await other.replies(1);
    await other.say("lots");
    // The reminder may come first on a loaded machine (0.5 s after the question): not the point.
    const human = await eventually(() =>
      other.received().some((m) => m.text === "A person will call you.") ? true : undefined,
    );
    expect(human).toBe(true);
    // Answered: no reminder and no timeout message follow.
    const answeredWith = other.received().length;
    await new Promise((r) => setTimeout(r, 3_200));
    expect(other.received()).toHaveLength(answeredWith);
    expect(other.received().map((m) => m.text)).not.toContain("Write again any time.");
  });
});
