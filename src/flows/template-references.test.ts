import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { validateFlow as validateWith } from "./validate.js";

/** Warnings for names a template reads that no run can have (template-references.ts), through validateFlow. */
const validateFlow = (input: unknown) => validateWith(input, { steps: stepRegistry });
const template = () =>
  JSON.parse(readFileSync(new URL("../../templates/whatsapp-lead.json", import.meta.url), "utf8")) as unknown;

function minimal(steps: unknown[]) {
  return { schema: "tern.flow/v1", name: "t", trigger: { type: "message", channels: ["whatsapp"] }, steps };
}

describe("names a template reads", () => {
  it("warns of a step id the flow lacks and of a root no template can read, at the exact field", () => {
    const result = validateFlow(
      minimal([
        { id: "ask_name", type: "ask", text: "Name?", save: "name", next: "done" },
        {
          id: "done",
          type: "send",
          text: "Hi {{ var.name }}, your ref is {{ steps.create_leed.id }} ({{ steps.ask_name.text }})",
        },
      ]),
    );
    expect(result.valid).toBe(true);
    expect(result.warnings).toEqual([
      expect.objectContaining({
        path: "$.steps[1].text",
        stepId: "done",
        message: expect.stringContaining('"var" is not a name templates can read'),
      }),
      expect.objectContaining({
        path: "$.steps[1].text",
        message: expect.stringContaining('no step "create_leed" in this flow'),
      }),
    ]);
  });

  it("says nothing of a template's own loop and assign variables, or of the shipped templates", () => {
    const result = validateFlow(
      minimal([
        {
          id: "done",
          type: "send",
          text: "{% assign n = vars.name %}{{ n }}{% for t in contact.tags %}{{ t }}{% endfor %}{{ conversation.transcript }}",
        },
      ]),
    );
    expect(result.warnings).toEqual([]);
    expect(validateFlow(template()).warnings).toEqual([]);
  });
});
