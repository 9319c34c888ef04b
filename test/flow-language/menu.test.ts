import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowStack, keywordFlow, startFlowStack } from "../helpers/flow-stack.js";
import { eventually } from "../helpers/in-process.js";

/** The menu step through the real engine and store: buttons, a list, numbered text on SMS. */
const after = [
  { id: "to_sales", type: "send", text: "Sales it is ({{ vars.topic }})." },
  { id: "to_support", type: "send", text: "Support: {{ steps.pick.choice.title }}." },
  { id: "elsewhere", type: "send", text: "Something else, then." },
  { id: "nobody", type: "send", text: "Let's talk on the phone." },
];

const threeOptions = keywordFlow(
  "help",
  [
    {
      id: "pick",
      type: "menu",
      text: "How can we help?",
      choices: [
        { id: "sales", title: "Sales", next: "to_sales" },
        { id: "support", title: "Support", next: "to_support" },
        { id: "other", title: "Something else" },
      ],
      save: "topic",
      maxAttempts: 2,
      next: "elsewhere",
      onInvalid: "nobody",
    },
    ...after,
  ],
  ["whatsapp", "twilio"],
);

const fiveOptions = keywordFlow("departments", [
  {
    id: "pick",
    type: "menu",
    text: "Which department?",
    choices: ["Sales", "Support", "Billing", "Returns", "Careers"].map((title) => ({
      id: title.toLowerCase(),
      title,
      ...(title === "Sales" ? { next: "to_sales" } : {}),
    })),
    save: "topic",
    next: "elsewhere",
  },
  ...after,
]);

const askWithChoices = keywordFlow(
  "colour",
  [
    {
      id: "pick",
      type: "ask",
      text: "Which colour?",
      expect: "choice",
      choices: [
        { id: "red", title: "Red" },
        { id: "blue", title: "Blue" },
      ],
      save: "colour",
      next: "done",
    },
    { id: "done", type: "send", text: "Done." },
  ],
  ["twilio"],
);

describe("ask with choices on SMS", () => {
  let env: FlowStack;
  beforeAll(async () => {
    env = await startFlowStack([askWithChoices], { channels: ["twilio"] });
  });
  afterAll(async () => {
    await env.close();
  });

  it("re-asks with the numbered choices once, not listed twice (an extra SMS segment)", async () => {
    const customer = env.customer("+14155550199", "twilio");
    await customer.say("colour");
    await customer.replies(1);
    await customer.say("green");
    const retry = (await customer.replies(2))[1];
    expect(retry?.text).toBe("Please choose one of the options.\n\n1. Red\n2. Blue");
    await customer.say("2");
    expect((await customer.replies(3))[2]?.text).toBe("Done.");
  });
});

describe("menu step", () => {
  let env: FlowStack;
  beforeAll(async () => {
    env = await startFlowStack([threeOptions, fiveOptions], { channels: ["twilio"] });
  });
  afterAll(async () => {
    await env.close();
  });

  it("shows three options as WhatsApp buttons and continues at the tapped option's own next", async () => {
    const customer = env.customer("4915100000101");
    await customer.say("help");
    const [question] = await customer.replies(1);
    expect(question?.text).toBe("How can we help?");
    expect(question?.choices).toEqual(["Sales", "Support", "Something else"]);
    expect(question?.request.body).toMatchObject({ type: "interactive", interactive: { type: "button" } });
    await customer.say("Support", { id: "support", title: "Support" });
    const replies = await customer.replies(2);
    expect(replies[1]?.text).toBe("Support: Support.");
    const run = await eventually(async () =>
      (await env.stack.tern.store.runs.list({})).find(
        (r) =>
          r.status === "completed" && r.state.steps.pick !== undefined && r.state.vars.topic === "support",
      ),
    );
    expect(run.state.steps.pick).toMatchObject({
      value: "support",
      choice: { id: "support" },
      next: "to_support",
    });
  });

  it("shows five options as a WhatsApp list; an option without its own next takes the menu's next", async () => {
    const customer = env.customer("4915100000102");
    await customer.say("departments");
    const [question] = await customer.replies(1);
    expect(question?.request.body).toMatchObject({ type: "interactive", interactive: { type: "list" } });
    expect(question?.choices).toEqual(["Sales", "Support", "Billing", "Returns", "Careers"]);
    await customer.say("Billing", { id: "billing", title: "Billing" });
    expect((await customer.replies(2))[1]?.text).toBe("Something else, then.");
  });

  it("sends numbered text on SMS, which has no buttons, and takes the number as the choice", async () => {
    const customer = env.customer("+14155550101", "twilio");
    await customer.say("help");
    const [question] = await customer.replies(1);
    expect(question?.text).toBe("How can we help?\n\n1. Sales\n2. Support\n3. Something else");
    expect(question?.choices).toEqual([]);
    await customer.say("1");
    expect((await customer.replies(2))[1]?.text).toBe("Sales it is (sales).");
  });

  it("re-asks after an invalid answer and takes onInvalid after maxAttempts answers", async () => {
    const customer = env.customer("+14155550102", "twilio");
    await customer.say("help");
    await customer.replies(1);
    await customer.say("pizza");
    const retry = (await customer.replies(2))[1];
    expect(retry?.text).toBe("Please choose one of the options.\n\n1. Sales\n2. Support\n3. Something else");
    await customer.say("7");
    expect((await customer.replies(3))[2]?.text).toBe("Let's talk on the phone.");
  });

  it("is validated: an option's next must exist, and the channel's limits are warnings", async () => {
    const bad = keywordFlow("bad", [
      {
        id: "pick",
        type: "menu",
        text: "?",
        choices: [{ id: "a", title: "A", next: "nowhere" }],
      },
    ]);
    const response = await env.stack.http("POST", "/api/v1/flows/validate", bad);
    const result = (await response.json()) as {
      valid: boolean;
      errors: Array<{ path: string; message: string }>;
    };
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual({
      path: "$.steps[0].choices[0].next",
      stepId: "pick",
      message: expect.stringMatching(/^step "pick": step "nowhere" does not exist/),
    });
    const many = keywordFlow("many", [
      {
        id: "pick",
        type: "menu",
        text: "?",
        choices: Array.from({ length: 12 }, (_, i) => ({ id: `o${i}`, title: `Option ${i}` })),
      },
    ]);
    const warned = (await (await env.stack.http("POST", "/api/v1/flows/validate", many)).json()) as {
      warnings: Array<{ path: string; message: string }>;
    };
    expect(warned.warnings).toContainEqual({
      path: "$.steps[0].choices",
      stepId: "pick",
      message: expect.stringMatching(/on WhatsApp, these 12 choices are sent as numbered text/),
    });
  });
});
