import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { parseDurationMs } from "./duration.js";
import { flowJsonSchema } from "./json-schema.js";
import { flowMatchesMessage } from "./trigger.js";
import { validateFlow } from "./validate.js";

describe("flowJsonSchema", () => {
  it("describes every step type, recursive conditions and optional defaults", () => {
    const schema = flowJsonSchema(stepRegistry);
    const text = JSON.stringify(schema);
    for (const type of [
      "send",
      "ask",
      "branch",
      "set",
      "end",
      "salesforce.create",
      "salesforce.update",
      "salesforce.upsert",
      "salesforce.find",
      "salesforce.get",
    ]) {
      expect(text).toContain(`"const":"${type}"`);
    }
    expect(text).toContain('"$ref"');
    const props = schema.properties as Record<string, unknown>;
    expect(Object.keys(props)).toEqual([
      "$schema",
      "schema",
      "name",
      "description",
      "trigger",
      "start",
      "steps",
      "tests",
      "layout",
    ]);
    expect(schema.required).toEqual(["schema", "name", "trigger", "steps"]);
  });
});

describe("durations", () => {
  it.each([
    ["PT30S", 30_000],
    ["PT24H", 86_400_000],
    ["P1D", 86_400_000],
    ["P1DT12H", 129_600_000],
    ["P1W", 604_800_000],
    ["PT0.5S", 500],
  ])("%s is %d ms", (value, ms) => {
    expect(parseDurationMs(value)).toBe(ms);
  });

  it.each(["P", "PT", "P1M", "P1Y", "PT0S", "1 day", "P1DT", ""])("rejects %j", (value) => {
    expect(parseDurationMs(value)).toBeNull();
  });

  it("takes at most 100 years: a wait of PT999999999999999H failed every run at its step (found by an outside audit)", () => {
    expect(parseDurationMs("P36500D")).toBe(36_500 * 86_400_000);
    for (const value of ["P36501D", "PT999999999999999H", "P99999999999W"])
      expect(parseDurationMs(value), value).toBeNull();
    const result = validateFlow({
      schema: "tern.flow/v1",
      name: "w",
      trigger: { type: "api" },
      steps: [{ id: "w", type: "wait", duration: "PT999999999999999H" }],
    });
    expect(result.errors.map((e) => e.path)).toEqual(["$.steps[0].duration"]);
  });
});

describe("flowMatchesMessage", () => {
  const flow = (keywords?: string[]) => {
    const result = validateFlow({
      schema: "tern.flow/v1",
      name: "k",
      trigger: { type: "message", channels: ["whatsapp"], ...(keywords && { keywords }) },
      steps: [{ id: "a", type: "send", text: "x" }],
    });
    if (!result.flow) throw new Error(JSON.stringify(result.errors));
    return result.flow;
  };

  it("matches any message on a listed channel when there are no keywords", () => {
    expect(flowMatchesMessage(flow(), { channel: "whatsapp", text: "anything" })).toBe(true);
    expect(flowMatchesMessage(flow(), { channel: "viber", text: "anything" })).toBe(false);
  });

  it("matches keywords as the whole message or its first word, case-insensitively", () => {
    const f = flow(["demo", "price list"]);
    expect(flowMatchesMessage(f, { channel: "whatsapp", text: " DEMO " })).toBe(true);
    expect(flowMatchesMessage(f, { channel: "whatsapp", text: "price list please" })).toBe(true);
    expect(flowMatchesMessage(f, { channel: "whatsapp", text: "demolition" })).toBe(false);
  });

  it("matches a keyword with the punctuation a greeting comes with, in any script, but not inside a word", () => {
    const f = flow(["hi", "hola", "你好", "مرحبا"]);
    for (const text of [
      "Hi!",
      "hi, I need a quote",
      "¡Hola!",
      "你好，我想报价",
      "مرحبا، أريد",
      "hi\nquote",
      "ＨＩ",
    ]) {
      expect(flowMatchesMessage(f, { channel: "whatsapp", text }), text).toBe(true);
    }
    for (const text of ["hi-fi speakers", "hiking", "his order"]) {
      expect(flowMatchesMessage(f, { channel: "whatsapp", text }), text).toBe(false);
    }
  });

  it("matches a keyword in quotes, straight or curly, as it matches one in other punctuation", () => {
    const f = flow(["quote"]);
    for (const text of [
      '"quote"',
      "“quote”",
      "'quote'",
      "‘quote’",
      "«quote»",
      '"Quote!"',
      '"quote" for 3 cars',
    ]) {
      expect(flowMatchesMessage(f, { channel: "whatsapp", text }), text).toBe(true);
    }
    for (const text of ['"quoted"', "quote's", '"a quote"']) {
      expect(flowMatchesMessage(f, { channel: "whatsapp", text }), text).toBe(false);
    }
  });

  it("matches a keyword however the keyboard composed its accents (NFC)", () => {
    const f = flow(["café"]);
    expect(flowMatchesMessage(f, { channel: "whatsapp", text: "Cafe\u0301" })).toBe(true);
    expect(flowMatchesMessage(flow(["cafe\u0301 menu"]), { channel: "whatsapp", text: "CAFÉ MENU" })).toBe(
      true,
    );
  });
});
