import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { validateFlowDesign } from "./design-check.js";
import { validateFlow } from "./validate.js";

/** Every shipped template is a valid flow (what `tern flows validate` checks offline). */
const dir = new URL("../../templates/", import.meta.url);
const templates = readdirSync(dir).filter((name) => name.endsWith(".json"));
const load = (name: string) =>
  JSON.parse(readFileSync(new URL(name, dir), "utf8")) as Record<string, unknown>;

describe("shipped templates", () => {
  it.each(templates)("%s is a valid flow", (name) => {
    const result = validateFlow(load(name), { steps: stepRegistry });
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it.each(templates)(
    "%s passes the design checks that need no server (loops, literal values)",
    async (name) => {
      const offline = {
        fact: async () => {
          throw new Error("offline");
        },
      };
      const result = await validateFlowDesign(load(name), offline, { steps: stepRegistry });
      expect(result.errors).toEqual([]);
      // Only steps that could not be checked against their connection, offline.
      for (const warning of result.warnings) expect(warning.message).toContain("not checked");
    },
  );

  it("sms-lead.json starts on the SMS channels and keeps each text to one GSM segment", () => {
    const flow = load("sms-lead.json") as {
      trigger: { channels: string[] };
      steps: Array<{ text?: string }>;
    };
    expect(flow.trigger.channels).toEqual(expect.arrayContaining(["twilio", "vonage"]));
    for (const step of flow.steps) {
      if (step.text === undefined) continue;
      // Template expressions are filled in at run time; the fixed text must leave room for them.
      const fixed = step.text.replace(/\{\{[^}]*\}\}/g, "");
      expect(fixed, step.text).toMatch(/^[\x20-\x7e]*$/);
      expect(fixed.length, step.text).toBeLessThanOrEqual(120);
    }
  });
});
