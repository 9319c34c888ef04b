import { describe, expect, it } from "vitest";
import { checkTemplate, renderTemplate, type TemplateScope } from "./template.js";

const scope: TemplateScope = {
  vars: { name: "Ada <3 & co" },
  contact: { id: "c", channel: "whatsapp", address: "1", phone: null, name: null },
  message: null,
  steps: { lead: { id: "00Q1" } },
  conversation: { transcript: "Customer: hi" },
  run: { id: "run_9" },
};

describe("templates", () => {
  it("renders plain text without HTML escaping", () => {
    expect(renderTemplate("Hi {{ vars.name }} ({{ steps.lead.id }}, {{ run.id }})", scope)).toBe(
      "Hi Ada <3 & co (00Q1, run_9)",
    );
  });

  it("renders missing values as empty text", () => {
    expect(renderTemplate("[{{ vars.nope }}{{ contact.phone }}]", scope)).toBe("[]");
  });

  it("refuses unknown filters and file includes", () => {
    expect(checkTemplate("{{ vars.name | shout }}")).toMatch(/undefined filter: shout/);
    expect(checkTemplate("{% include 'secrets.txt' %}")).toMatch(/not supported/);
    expect(checkTemplate("{% render '/etc/passwd' %}")).toMatch(/not supported/);
    expect(() => renderTemplate("{% include 'x' %}", scope)).toThrow(
      expect.objectContaining({ code: "TEMPLATE_ERROR" }),
    );
  });

  it("leaves text without Liquid markup untouched", () => {
    expect(renderTemplate("50% off {not a tag}", scope)).toBe("50% off {not a tag}");
  });
});
