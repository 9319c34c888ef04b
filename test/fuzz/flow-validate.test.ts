import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import { type FlowValidationResult, validateFlow as validateWith } from "../../src/flows/validate.js";
import { stepRegistry } from "../../src/steps.js";
import { fuzzRuns, jsonishText, mutatedJson } from "../helpers/fuzz.js";

/** The template uses connector steps: validate against the composed registry, as the server does. */
const validateFlow = (input: unknown): FlowValidationResult => validateWith(input, { steps: stepRegistry });

/**
 * validateFlow answers `POST /api/v1/flows/validate` and guards every import: whatever a flow
 * file contains, the answer is a list of problems (never a throw, never a 500), and a valid flow
 * stays valid however its free text is worded or its steps are ordered.
 */
const template = JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8")) as {
  name: string;
  steps: Array<Record<string, unknown>>;
};

/** validateFlow has a last-resort catch; reaching it for ordinary input would hide a real bug. */
const CATCH_ALL = "the flow could not be checked";

function checkShape(input: unknown): FlowValidationResult {
  const result = validateFlow(input);
  expect(typeof result.valid).toBe("boolean");
  expect(Array.isArray(result.errors)).toBe(true);
  expect(Array.isArray(result.warnings)).toBe(true);
  if (!result.valid) expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) {
    expect(e.path).toMatch(/^\$/);
    expect(typeof e.message).toBe("string");
  }
  return result;
}

function parsed(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Plain words: no Liquid delimiters, so any wording is a valid template. */
const wording = fc.string({ minLength: 1, maxLength: 200 }).filter((s) => !/[{}]/.test(s) && s.trim() !== "");

describe("fuzz: the flow validator answers with errors and never throws", () => {
  it("for arbitrary JSON (400 generated inputs)", () => {
    fc.assert(
      fc.property(jsonishText, (text) => {
        const input = parsed(text);
        if (!input.ok) return;
        const result = checkShape(input.value);
        // Only nesting beyond the stack may take the last-resort path; findTooDeep answers first.
        for (const e of result.errors) expect(e.message).not.toContain(CATCH_ALL);
      }),
      fuzzRuns(400),
    );
  });

  it("for mutations of the lead template (500 generated inputs)", () => {
    fc.assert(
      fc.property(mutatedJson(template), (text) => {
        const input = parsed(text);
        if (!input.ok) return;
        const result = checkShape(input.value);
        for (const e of result.errors) expect(e.message).not.toContain(CATCH_ALL);
      }),
      fuzzRuns(500),
    );
  });

  it("keeps a valid flow valid whatever its wording and step order (200 generated inputs)", () => {
    const texts = fc.array(wording, { minLength: template.steps.length, maxLength: template.steps.length });
    fc.assert(
      fc.property(wording, texts, fc.infiniteStream(fc.nat()), (name, stepTexts, order) => {
        const steps = template.steps.map((s, i) => ("text" in s ? { ...s, text: stepTexts[i] } : { ...s }));
        // Fisher-Yates with the generated stream: `start` names the first step, so order is free.
        for (let i = steps.length - 1; i > 0; i--) {
          const j = (order.next().value as number) % (i + 1);
          [steps[i], steps[j]] = [steps[j] as (typeof steps)[number], steps[i] as (typeof steps)[number]];
        }
        const flow = { ...template, name: name.slice(0, 200), steps };
        const result = validateFlow(flow);
        expect(result.errors).toEqual([]);
        expect(result.valid).toBe(true);
        // What validation hands on (defaults applied) validates again, unchanged.
        const again = validateFlow(JSON.parse(JSON.stringify(result.flow)));
        expect(again.valid).toBe(true);
        expect(again.flow).toEqual(result.flow);
      }),
      fuzzRuns(200),
    );
  });
});
