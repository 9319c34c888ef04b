import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowStack, keywordFlow, startFlowStack } from "../helpers/flow-stack.js";

/** Branch operators through the real engine and store: matches, in, number comparisons, exists, business hours. */
const sizeFlow = keywordFlow("size", [
  { id: "n", type: "ask", text: "A number?", save: "n", expect: "number", next: "judge" },
  {
    id: "judge",
    type: "branch",
    conditions: [
      { when: { left: "vars.n", op: "gt", right: 100 }, next: "big" },
      {
        when: {
          all: [
            { left: "vars.n", op: "gte", right: 10 },
            { left: "vars.n", op: "lte", right: 100 },
          ],
        },
        next: "medium",
      },
      { when: { left: "vars.n", op: "lt", right: "10" }, next: "small" },
    ],
  },
  { id: "big", type: "send", text: "big" },
  { id: "medium", type: "send", text: "medium" },
  { id: "small", type: "send", text: "small" },
]);

const codeFlow = keywordFlow("code", [
  {
    id: "read",
    type: "branch",
    conditions: [
      {
        when: { left: "message.text", op: "matches", right: "^code [A-Z]{3}-\\d{4}$", ignoreCase: true },
        next: "ok",
      },
      {
        when: { left: "message.text", op: "in", right: ["code help", "code ?"], ignoreCase: true },
        next: "help",
      },
    ],
    else: "nope",
  },
  { id: "ok", type: "send", text: "Code accepted." },
  { id: "help", type: "send", text: "A code looks like ABC-1234." },
  { id: "nope", type: "send", text: "That is not a code." },
]);

const planFlow = keywordFlow("plan", [
  {
    id: "check",
    type: "branch",
    conditions: [{ when: { left: "contact.attributes.plan", op: "exists" }, next: "has" }],
    else: "give",
  },
  { id: "give", type: "contact.set", attributes: { plan: "basic" }, next: "told" },
  { id: "told", type: "send", text: "You had no plan; now basic." },
  { id: "has", type: "send", text: "You are on {{ contact.attributes.plan }}." },
]);

const hoursFlow = keywordFlow("hours", [
  {
    id: "open",
    type: "branch",
    conditions: [
      {
        when: {
          businessHours: {
            timeZone: "Europe/Berlin",
            days: ["mon", "tue", "wed", "thu", "fri"],
            from: "09:00",
            to: "17:00",
          },
        },
        next: "yes",
      },
    ],
    else: "no",
  },
  { id: "yes", type: "send", text: "We are open." },
  { id: "no", type: "send", text: "We are closed; we answer from 9:00 on weekdays." },
]);

/**
 * The run's clock, moved to chosen moments: only forward (sends are paced on it), and in the
 * past (so WhatsApp's reply window, counted from the real time of the webhook, stays open).
 */
const clock = {
  offsetMs: Date.parse("2026-11-27T12:00:00Z") - Date.now(),
  now: () => Date.now() + clock.offsetMs,
  set: (iso: string) => {
    clock.offsetMs = Date.parse(iso) - Date.now();
  },
};

describe("branch conditions", () => {
  let env: FlowStack;
  beforeAll(async () => {
    env = await startFlowStack([sizeFlow, codeFlow, planFlow, hoursFlow], { clock });
  });
  afterAll(async () => {
    await env.close();
  });

  it("compares numbers: gt, gte and lte together, lt against a numeric string", async () => {
    for (const [i, [answer, expected]] of [
      ["101", "big"],
      ["100", "medium"],
      ["10", "medium"],
      ["9.5", "small"],
    ].entries()) {
      const customer = env.customer(`49151000004${10 + i}`);
      await customer.say("size");
      await customer.replies(1);
      await customer.say(answer as string);
      expect((await customer.replies(2))[1]?.text).toBe(expected);
    }
  });

  it("matches a pattern (case-insensitive) and finds the text in a list", async () => {
    const cases = [
      ["code abc-1234", "Code accepted."],
      ["CODE ?", "A code looks like ABC-1234."],
      ["code abc-12345", "That is not a code."],
    ];
    for (const [i, [text, expected]] of cases.entries()) {
      const customer = env.customer(`49151000004${20 + i}`);
      await customer.say(text as string);
      expect((await customer.replies(1))[0]?.text).toBe(expected);
    }
  });

  it("exists: a contact attribute that is missing, then set", async () => {
    const customer = env.customer("4915100000430");
    await customer.say("plan");
    expect((await customer.replies(1))[0]?.text).toBe("You had no plan; now basic.");
    await customer.say("plan");
    expect((await customer.replies(2))[1]?.text).toBe("You are on basic.");
  });

  it("business hours in the flow's time zone, at the run's clock", async () => {
    clock.set("2026-11-28T10:00:00Z"); // Saturday 11:00 in Berlin
    const saturday = env.customer("4915100000442");
    await saturday.say("hours");
    expect((await saturday.replies(1))[0]?.text).toBe("We are closed; we answer from 9:00 on weekdays.");
    clock.set("2026-11-30T08:30:00Z"); // Monday 09:30 in Berlin
    const monday = env.customer("4915100000440");
    await monday.say("hours");
    expect((await monday.replies(1))[0]?.text).toBe("We are open.");
    clock.set("2026-11-30T16:30:00Z"); // Monday 17:30 in Berlin
    const evening = env.customer("4915100000441");
    await evening.say("hours");
    expect((await evening.replies(1))[0]?.text).toBe("We are closed; we answer from 9:00 on weekdays.");
  });

  it("validation reports an invalid pattern, a template pattern and an unknown time zone", async () => {
    const bad = keywordFlow("bad", [
      {
        id: "b",
        type: "branch",
        conditions: [
          { when: { left: "message.text", op: "matches", right: "(?<=a)b" }, next: "b" },
          { when: { left: "message.text", op: "matches", right: "{{ vars.pattern }}" }, next: "b" },
          { when: { businessHours: { timeZone: "Europe/Atlantis", from: "09:00", to: "17:00" } }, next: "b" },
        ],
      },
    ]);
    const result = (await (await env.stack.http("POST", "/api/v1/flows/validate", bad)).json()) as {
      errors: Array<{ path: string; message: string }>;
    };
    const byPath = Object.fromEntries(result.errors.map((e) => [e.path, e.message]));
    expect(byPath["$.steps[0].conditions[0].when.right"]).toMatch(/^step "b": invalid pattern \(RE2 syntax/);
    expect(byPath["$.steps[0].conditions[1].when.right"]).toBe(
      'step "b": op "matches" takes a literal pattern, not a template',
    );
    expect(byPath["$.steps[0].conditions[2].when.businessHours.timeZone"]).toMatch(/unknown time zone/);
  });
});
