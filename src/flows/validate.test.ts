import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildTextMessage } from "../channels/line/send.js";
import { stepRegistry } from "../steps.js";
import { validateFlow as validateWith } from "./validate.js";

// The lead template uses connector steps: validate against the composed registry.
const validateFlow = (input: unknown) => validateWith(input, { steps: stepRegistry });

const template = () =>
  JSON.parse(readFileSync(new URL("../../templates/whatsapp-lead.json", import.meta.url), "utf8")) as {
    steps: Array<Record<string, unknown>>;
    [key: string]: unknown;
  };

function minimal(steps: unknown[], extra: Record<string, unknown> = {}) {
  return {
    schema: "tern.flow/v1",
    name: "t",
    trigger: { type: "message", channels: ["whatsapp"] },
    steps,
    ...extra,
  };
}

function errorsOf(input: unknown) {
  const result = validateFlow(input);
  expect(result.valid).toBe(false);
  return result.errors;
}

describe("validateFlow", () => {
  it("takes choice limits from the triggering channel: 12 choices are a warning on WhatsApp, not an error", () => {
    const choices = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, title: `Option ${i + 1}` }));
    const result = validateFlow(
      minimal([{ id: "pick", type: "ask", text: "Which?", save: "pick", expect: "choice", choices }]),
    );
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      {
        path: "$.steps[0].choices",
        stepId: "pick",
        message: expect.stringContaining("on WhatsApp, these 12 choices are sent as numbered text"),
      },
    ]);
    const three = choices.slice(0, 3);
    const fits = validateFlow(
      minimal([{ id: "pick", type: "ask", text: "Which?", save: "pick", expect: "choice", choices: three }]),
    );
    expect(fits.warnings).toEqual([]);
  });

  it("warns, as WhatsApp's adapter decides, of a text too long for buttons, a choice id too long, and repeated titles", () => {
    const ask = (text: string, choices: Array<{ id: string; title: string }>) =>
      validateFlow(minimal([{ id: "pick", type: "ask", text, save: "pick", expect: "choice", choices }]))
        .warnings;
    const yesNo = [
      { id: "y", title: "Yes" },
      { id: "n", title: "No" },
    ];
    expect(ask("x".repeat(1_100), yesNo)).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(
          "on WhatsApp, these 2 choices are sent as numbered text: the text (1100 characters) is longer than the 1024",
        ),
      }),
    ]);
    expect(ask("x".repeat(1_024), yesNo)).toEqual([]);
    // Only known once rendered: a templated text is not counted.
    expect(ask(`${"x".repeat(1_100)}{{ vars.name }}`, yesNo)).toEqual([]);
    const longIds = Array.from({ length: 5 }, (_, i) => ({
      id: `${i}${"i".repeat(249)}`,
      title: `Option ${i}`,
    }));
    expect(ask("Which?", longIds)).toEqual([
      expect.objectContaining({
        message: expect.stringContaining("a choice id is longer than 200 characters"),
      }),
    ]);
    // Repeated titles rule out reply buttons, not a list: still shown, as a list.
    expect(
      ask("Which?", [
        { id: "a", title: "Same" },
        { id: "b", title: "Same" },
      ]),
    ).toEqual([]);
  });

  it("counts choice titles as each channel does: an emoji is two on LINE and RCS, whose adapters then send numbered text", () => {
    const choices = [
      { id: "up", title: "👍".repeat(13) },
      { id: "no", title: "No" },
    ];
    const flow = {
      ...(minimal([{ id: "pick", type: "menu", text: "Which?", choices }]) as Record<string, unknown>),
      trigger: { type: "message", channels: ["messenger", "line", "rcs"] },
    };
    // 13 characters fit Messenger's 20; as 26 UTF-16 units they fit neither LINE's 20 nor RCS's 25.
    expect(validateFlow(flow).warnings.map((w) => w.message)).toEqual([
      expect.stringContaining("on LINE, these 2 choices are sent as numbered text"),
      expect.stringContaining("on RCS Business Messaging, these 2 choices are sent as numbered text"),
    ]);
    expect(buildTextMessage("Which?", choices)).toEqual({
      type: "text",
      text: "Which?\n\n1. 👍👍👍👍👍👍👍👍👍👍👍👍👍\n2. No",
    });
  });

  it("counts the numbered choices a channel without buttons adds to the text", () => {
    const choices = Array.from({ length: 20 }, (_, i) => ({
      id: `o${i}`,
      title: `Option number ${i} ${"x".repeat(70)}`,
    }));
    const flow = (n: number) => ({
      ...(minimal([
        { id: "pick", type: "menu", text: "Which one?", choices: choices.slice(0, n), save: "c" },
      ]) as Record<string, unknown>),
      trigger: { type: "message", channels: ["twilio"] },
    });
    const messages = (n: number) => validateFlow(flow(n)).warnings.map((w) => w.message);
    expect(messages(20)).toContainEqual(
      expect.stringMatching(
        /on Twilio.*this text with its numbered choices \(\d+ characters\) is longer than the 1600/,
      ),
    );
    expect(messages(10).some((m) => m.includes("is longer than"))).toBe(false);
  });

  it("warns of a text written out in full that a triggering channel refuses for its length; a templated one is not counted", () => {
    const flow = (text: string) => ({
      ...(minimal([{ id: "tell", type: "send", text }]) as Record<string, unknown>),
      trigger: { type: "message", channels: ["whatsapp", "rcs"] },
    });
    const long = "x".repeat(3_100);
    expect(validateFlow(flow(long)).warnings).toEqual([
      {
        path: "$.steps[0].text",
        stepId: "tell",
        message: expect.stringMatching(
          /^step "tell": on RCS.*this text \(3100 characters\) is longer than the 3072/,
        ),
      },
    ]);
    expect(validateFlow(flow("x".repeat(3_072))).warnings).toEqual([]);
    expect(validateFlow(flow(`${long}{{ vars.name }}`)).warnings).toEqual([]);
  });

  it("counts a text as each channel does: 700 Chinese characters are 2,100 bytes on WeChat and Instagram, an emoji two on SMS", () => {
    const flow = {
      ...(minimal([{ id: "tell", type: "send", text: "中".repeat(700) }]) as Record<string, unknown>),
      trigger: { type: "message", channels: ["line", "wechat", "instagram"] },
    };
    expect(validateFlow(flow).warnings.map((w) => w.message)).toEqual([
      expect.stringContaining("on WeChat, this text (2100 bytes) is longer than the 2048"),
      expect.stringContaining("on Instagram, this text (2100 bytes) is longer than the 1000"),
    ]);
    // An emoji is two UTF-16 units, as LINE and SMS count: 900 of them are 1,800 for Twilio's 1,600.
    const sms = {
      ...(minimal([{ id: "tell", type: "send", text: "😀".repeat(900) }]) as Record<string, unknown>),
      trigger: { type: "message", channels: ["whatsapp", "twilio"] },
    };
    expect(validateFlow(sms).warnings.map((w) => w.message)).toEqual([
      expect.stringContaining("on Twilio (SMS), this text (1800 characters) is longer than the 1600"),
    ]);
  });

  it("accepts the WhatsApp lead template and applies defaults", () => {
    const result = validateFlow(template());
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.valid).toBe(true);
    const ask = result.flow?.steps[0];
    expect(ask).toMatchObject({ type: "ask", expect: "text" });
  });

  it("reports a transition to a step that does not exist, with its path and the known steps", () => {
    const flow = template();
    (flow.steps[1] as Record<string, unknown>).next = "create_leed";
    expect(errorsOf(flow)).toEqual([
      {
        path: "$.steps[1].next",
        stepId: "ask_company",
        message:
          'step "ask_company": step "create_leed" does not exist; known steps: ask_name, ask_company, create_lead, confirm, sorry, bye',
      },
    ]);
  });

  it("checks onError, onTimeout, onInvalid, branch targets, else and start", () => {
    const steps = [
      {
        id: "a",
        type: "ask",
        text: "?",
        save: "x",
        timeout: "PT1M",
        onTimeout: "t1",
        onInvalid: "i1",
        onError: "e1",
      },
      {
        id: "b",
        type: "branch",
        conditions: [{ when: { left: "vars.x", op: "exists" }, next: "c1" }],
        else: "z1",
      },
    ];
    const paths = errorsOf(minimal(steps, { start: "nope" })).map((e) => e.path);
    expect(paths.sort()).toEqual(
      [
        "$.start",
        "$.steps[0].onError",
        "$.steps[0].onTimeout",
        "$.steps[0].onInvalid",
        "$.steps[1].conditions[0].next",
        "$.steps[1].else",
      ].sort(),
    );
  });

  it("reports duplicate step ids at the second occurrence", () => {
    const errors = errorsOf(
      minimal([
        { id: "a", type: "send", text: "1", next: "a2" },
        { id: "a2", type: "send", text: "2" },
        { id: "a", type: "send", text: "3" },
      ]),
    );
    expect(errors).toEqual([
      {
        path: "$.steps[2].id",
        stepId: "a",
        message: 'step "a": duplicate step id "a" (also used by $.steps[0]); step ids must be unique',
      },
    ]);
  });

  it("reports template syntax errors and unknown filters at the field", () => {
    const errors = errorsOf(
      minimal([
        { id: "a", type: "send", text: "Hi {{ vars.name ", next: "b" },
        {
          id: "b",
          type: "salesforce.create",
          connection: "salesforce",
          object: "Lead",
          fields: { LastName: "{{ vars.name | shout }}", "First Name": "x" },
        },
      ]),
    );
    expect(errors.map((e) => e.path)).toEqual([
      '$.steps[1].fields["First Name"]',
      "$.steps[0].text",
      "$.steps[1].fields.LastName",
    ]);
    expect(errors[1]?.message).toMatch(/^step "a": template error: .*not closed/);
    expect(errors[2]?.message).toMatch(/undefined filter: shout/);
  });

  it("reports schema problems with paths and actionable messages", () => {
    const errors = errorsOf({
      schema: "tern.flow/v2",
      name: "",
      trigger: { type: "message", channels: [] },
      steps: [
        { id: "ask name", type: "ask", text: "?", save: "name" },
        { id: "b", type: "ask", text: "?", save: "n", expect: "choice", nxt: "a" },
        { id: "c", type: "teleport" },
        { id: "d", type: "ask", text: "?", save: "n", timeout: "1 day" },
        { id: "e", type: "send" },
        "junk",
      ],
    });
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    expect(byPath["$.schema"]).toBe('schema must be "tern.flow/v1"');
    expect(byPath["$.name"]).toBe("give the flow a name");
    expect(byPath["$.trigger.channels"]).toMatch(/at least one channel/);
    expect(byPath["$.steps[0].id"]).toMatch(/starts with a letter or _/);
    expect(byPath["$.steps[1]"]).toBe(
      'step "b": unknown property "nxt"; check the spelling; an ask step has: id, title, onError, type, text, save, expect, choices, retryText, maxRetries, maxAttempts, timeout, reminders, next, onTimeout, onInvalid',
    );
    expect(byPath["$.steps[1].choices"]).toMatch(/expect "choice" needs choices/);
    // Every registered type, sorted (more types join as they are added).
    expect(byPath["$.steps[2].type"]).toMatch(
      /^step "c": unknown step type "teleport"; known types: ask, branch, contact\.set, contact\.tag, end, .*salesforce\.create, salesforce\.find, salesforce\.get, salesforce\.update, salesforce\.upsert, send, set\b/,
    );
    expect(byPath["$.steps[3].timeout"]).toMatch(/ISO-8601 duration/);
    expect(byPath["$.steps[4].text"]).toBe('step "e": "text" is required (string)');
    expect(byPath["$.steps[5]"]).toMatch(/a step is an object/);
  });

  it("names a value of the wrong type as such, not as missing (a timeout in seconds)", () => {
    const errors = errorsOf(
      minimal(
        [
          { id: "w", type: "wait", duration: 600, next: "a" },
          { id: "a", type: "ask", text: "?", save: "x", expect: "text", timeout: 600 },
        ],
        { name: 5 },
      ),
    );
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    expect(byPath["$.steps[0].duration"]).toBe('step "w": "duration" must be a string, not a number');
    expect(byPath["$.steps[1].timeout"]).toBe('step "a": "timeout" must be a string, not a number');
    expect(byPath["$.name"]).toBe('"name" must be a string, not a number');
  });

  it("says why a zero duration is refused: PT0S is ISO 8601, but no wait", () => {
    const errors = errorsOf(minimal([{ id: "w", type: "wait", duration: "PT0S" }]));
    expect(errors.find((e) => e.path === "$.steps[0].duration")?.message).toMatch(/duration above zero/);
  });

  it("says a value of the wrong type is the wrong type, not that it is missing; a bad trigger type lists the types", () => {
    const errors = errorsOf({
      schema: "tern.flow/v1",
      name: "x",
      trigger: { type: "message", channels: "whatsapp" },
      steps: [
        { id: "a", type: "ask", text: "?", save: "n", timeout: 24, next: 3 },
        { id: "b", type: "send", text: null },
      ],
      tests: [{ name: "t", script: [{ say: 5 }] }],
    });
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    expect(byPath["$.trigger.channels"]).toBe('"channels" must be an array, not a string');
    expect(byPath["$.steps[0].timeout"]).toBe('step "a": "timeout" must be a string, not a number');
    expect(byPath["$.steps[0].next"]).toBe('step "a": "next" must be a string, not a number');
    expect(byPath["$.steps[1].text"]).toBe('step "b": "text" must be a string, not null');
    expect(byPath["$.tests[0].script[0].say"]).toBe('"say" must be a string, not a number');
    const trigger = errorsOf({
      ...minimal([{ id: "a", type: "send", text: "hi" }]),
      trigger: { type: "msg" },
    });
    expect(trigger).toContainEqual({
      path: "$.trigger.type",
      message: '"type" must be one of: "message", "api", "schedule", "tag"',
    });
  });

  it("names the step of every problem inside it: stepId, and the message starts with the step, the path kept", () => {
    const errors = errorsOf(
      minimal([
        { id: "a", type: "teleport" },
        { id: "b", type: "send" },
        { id: "c", type: "send", text: "{{ oops " },
        {
          id: "d",
          type: "ask",
          text: "?",
          save: "x",
          expect: "choice",
          choices: [
            { id: "y", title: "Yes" },
            { id: "y", title: "Yes!" },
          ],
        },
        { type: "send", text: "no id" },
      ]),
    );
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e]));
    expect(byPath["$.steps[0].type"]).toMatchObject({
      stepId: "a",
      message: expect.stringMatching(/^step "a": unknown step type "teleport"/),
    });
    expect(byPath["$.steps[1].text"]).toEqual({
      path: "$.steps[1].text",
      stepId: "b",
      message: 'step "b": "text" is required (string)',
    });
    expect(byPath["$.steps[2].text"]).toMatchObject({
      stepId: "c",
      message: expect.stringMatching(/^step "c": template error: /),
    });
    expect(byPath["$.steps[3].choices[1].id"]).toMatchObject({
      stepId: "d",
      message: 'step "d": choice id "y" is used twice; each choice needs its own id',
    });
    // No id to name: the path alone says where.
    expect(byPath["$.steps[4].id"]).toEqual({ path: "$.steps[4].id", message: '"id" is required (string)' });
  });

  it("reports a malformed branch condition at the condition, not as a vague union error", () => {
    const errors = errorsOf(
      minimal([
        {
          id: "b",
          type: "branch",
          conditions: [{ when: { left: "vars.x", op: "equals", right: 1 }, next: "b" }],
        },
        {
          id: "c",
          type: "branch",
          conditions: [{ when: { all: [{ left: "age", op: "gt", right: 1 }] }, next: "c" }],
        },
        {
          id: "d",
          type: "branch",
          conditions: [{ when: { left: "vars.x", op: "in", right: "a" }, next: "d" }],
        },
      ]),
    );
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    expect(byPath["$.steps[0].conditions[0].when.op"]).toMatch(/must be one of: "eq", "ne"/);
    expect(byPath["$.steps[1].conditions[0].when.all[0].left"]).toMatch(
      /left must be a path such as vars.age/,
    );
    expect(byPath["$.steps[2].conditions[0].when.right"]).toMatch(/needs a list/);
  });

  it("warns about unreachable steps without making the flow invalid", () => {
    const result = validateFlow(
      minimal([
        { id: "a", type: "send", text: "1" },
        { id: "orphan", type: "send", text: "2" },
      ]),
    );
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      {
        path: "$.steps[1]",
        stepId: "orphan",
        message:
          'step "orphan" is never reached from the start step "a"; point a next/onError at it or remove it',
      },
    ]);
  });

  it("reports absurdly deep nesting at the point where it gets too deep", () => {
    let deep: unknown = { left: "vars.x", op: "exists" };
    for (let i = 0; i < 100; i++) deep = { not: deep };
    const errors = errorsOf(minimal([{ id: "a", type: "branch", conditions: [{ when: deep, next: "a" }] }]));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toMatch(/^\$\.steps\[0\]\.conditions\[0\]\.when(\.not)+$/);
    expect(errors[0]?.message).toMatch(/nested more than 64 levels/);
  });

  it("never throws on junk input", () => {
    let deep: unknown = { left: "vars.x", op: "exists" };
    for (let i = 0; i < 20_000; i++) deep = { not: deep };
    const junk: unknown[] = [
      null,
      undefined,
      0,
      "flow",
      [],
      [1, 2],
      {},
      { steps: null },
      { steps: {} },
      { steps: [null, 1, "x", [], { id: 5 }, { type: 7 }] },
      {
        schema: "tern.flow/v1",
        name: "x".repeat(1_000_000),
        trigger: {},
        steps: [{ id: "a", type: "send", text: "{{".repeat(100_000) }],
      },
      minimal(Array.from({ length: 5_000 }, (_, i) => ({ id: `s${i}`, type: "send", text: "x" }))),
      minimal([{ id: "a", type: "branch", conditions: [{ when: deep, next: "a" }] }]),
      Object.create(null),
      { ["__proto__"]: { polluted: true }, steps: [{ id: "__proto__", type: "send", text: "x" }] },
    ];
    for (const input of junk) {
      const result = validateFlow(input);
      expect(result.valid).toBe(false);
      expect(result.errors.length).toBeGreaterThan(0);
      for (const error of result.errors) expect(error.path).toMatch(/^\$/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
