import { describe, expect, it } from "vitest";
import { type Condition, evaluateCondition } from "./conditions.js";
import { renderTemplate, type TemplateScope } from "./template.js";

const scope: TemplateScope = {
  vars: {
    age: 42,
    name: "Ada",
    tags: ["vip", "beta"],
    empty: "  ",
    none: null,
    when: "2026-03-01",
    list: [],
    typed: "0x12",
    binary: "0b11",
    exponent: "1e3",
    spaced: " 19 ",
    s42: "42",
  },
  contact: { id: "c", channel: "whatsapp", address: "1", phone: "+16315551181", name: "Ada" },
  message: { id: "m", type: "text", text: "Hello there", timestamp: 0 },
  steps: { lead: { id: "00Q1" } },
  conversation: { transcript: "Customer: hi" },
  run: { id: "r" },
};
const env = { scope, render: (t: string) => renderTemplate(t, scope) };
const holds = (cond: Condition) => evaluateCondition(cond, env);

describe("branch conditions", () => {
  it.each<[Condition, boolean]>([
    [{ left: "vars.age", op: "eq", right: 42 }, true],
    [{ left: "vars.age", op: "eq", right: "42" }, true],
    [{ left: "vars.name", op: "eq", right: "ada" }, false],
    [{ left: "vars.name", op: "eq", right: "ada", ignoreCase: true }, true],
    [{ left: "vars.name", op: "ne", right: "Bob" }, true],
    [{ left: "vars.age", op: "gt", right: 41 }, true],
    [{ left: "vars.age", op: "gte", right: 42 }, true],
    [{ left: "vars.age", op: "lt", right: 42 }, false],
    [{ left: "vars.age", op: "lte", right: "42" }, true],
    [{ left: "vars.name", op: "gt", right: 1 }, false],
    // Only plain decimals are numbers: JavaScript's Number() reads these as 18, 3 and 1000.
    [{ left: "vars.typed", op: "gte", right: 18 }, false],
    [{ left: "vars.typed", op: "eq", right: 18 }, false],
    [{ left: "vars.binary", op: "eq", right: 3 }, false],
    [{ left: "vars.exponent", op: "eq", right: 1000 }, false],
    [{ left: "vars.spaced", op: "gte", right: 18 }, true],
    // Two plain decimal strings are numbers for eq and ne too, as for gte and lte.
    [{ left: "vars.s42", op: "eq", right: "42.0" }, true],
    [{ left: "vars.s42", op: "ne", right: "42.0" }, false],
    [{ left: "vars.s42", op: "gte", right: "42.0" }, true],
    [{ left: "vars.s42", op: "lte", right: "42.0" }, true],
    [{ left: "vars.s42", op: "eq", right: "42.5" }, false],
    [{ left: "vars.spaced", op: "eq", right: "19" }, true],
    [{ left: "{{ vars.age }}", op: "eq", right: "042" }, true],
    [{ left: "vars.s42", op: "in", right: ["41", "42.00"] }, true],
    // Ids longer than a double holds exactly stay text: these two differ in their last digit.
    [{ left: "{{ '12345678901234567890' }}", op: "eq", right: "12345678901234567891" }, false],
    [{ left: "{{ '12345678901234567890' }}", op: "eq", right: "12345678901234567890" }, true],
    [{ left: "vars.typed", op: "eq", right: "18" }, false],
    [{ left: "vars.typed", op: "eq", right: "0X12" }, false],
    [{ left: "vars.typed", op: "eq", right: "0X12", ignoreCase: true }, true],
    [{ left: "vars.when", op: "lt", right: "2026-04-01" }, true],
    [{ left: "message.text", op: "contains", right: "there" }, true],
    [{ left: "message.text", op: "contains", right: "THERE", ignoreCase: true }, true],
    [{ left: "vars.tags", op: "contains", right: "vip" }, true],
    [{ left: "message.text", op: "startsWith", right: "Hello" }, true],
    // A number (an ask's expect: number) is read as its text, as matches reads it.
    [{ left: "vars.age", op: "startsWith", right: "4" }, true],
    [{ left: "vars.age", op: "contains", right: 2 }, true],
    [{ left: "vars.age", op: "contains", right: "5" }, false],
    [{ left: "steps.lead", op: "contains", right: "00Q1" }, false],
    [{ left: "vars.name", op: "in", right: ["Ada", "Bob"] }, true],
    [{ left: "vars.age", op: "in", right: [1, 2] }, false],
    [{ left: "steps.lead.id", op: "exists" }, true],
    [{ left: "vars.none", op: "exists" }, false],
    [{ left: "vars.missing.deep", op: "exists" }, false],
    [{ left: "vars.empty", op: "empty" }, true],
    [{ left: "vars.list", op: "empty" }, true],
    [{ left: "vars.name", op: "empty" }, false],
    [{ left: "vars.tags[1]", op: "eq", right: "beta" }, true],
    [{ left: "{{ vars.name | downcase }}", op: "eq", right: "ada" }, true],
    [{ left: "contact.phone", op: "startsWith", right: "{{ '+1' }}" }, true],
    [{ left: "vars.__proto__", op: "exists" }, false],
    [
      {
        all: [
          { left: "vars.age", op: "gt", right: 18 },
          { left: "vars.name", op: "eq", right: "Ada" },
        ],
      },
      true,
    ],
    [
      {
        any: [
          { left: "vars.age", op: "lt", right: 18 },
          { left: "vars.name", op: "eq", right: "Ada" },
        ],
      },
      true,
    ],
    [{ not: { left: "vars.age", op: "lt", right: 18 } }, true],
  ])("%j → %s", (cond, expected) => {
    expect(holds(cond)).toBe(expected);
  });
});
