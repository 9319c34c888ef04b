import { describe, expect, it } from "vitest";
import { stepRegistry } from "../steps.js";
import { flowJsonSchema } from "./json-schema.js";
import { validateFlow } from "./validate.js";
import { canonicalFlowText } from "./versions/canonical.js";

/** The editor's `layout` key: positions of steps, data only for the engine. */
const flow = (layout?: unknown) => ({
  schema: "tern.flow/v1",
  name: "Layout",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [
    { id: "ask_name", type: "ask", text: "Name?", save: "name", next: "thanks" },
    { id: "thanks", type: "send", text: "Thanks {{ vars.name }}" },
  ],
  ...(layout === undefined ? {} : { layout }),
});

describe("flow layout", () => {
  it("accepts step positions and keeps them in the parsed flow", () => {
    const layout = { steps: { ask_name: { x: 10, y: -20.5 }, thanks: { x: 10, y: 120 } } };
    const result = validateFlow(flow(layout), { steps: stepRegistry });
    expect(result.errors).toEqual([]);
    expect(result.flow?.layout).toEqual(layout);
  });

  it("refuses positions that are not finite numbers, unknown keys and bad step ids", () => {
    const bad = [
      { steps: { ask_name: { x: "10", y: 0 } } },
      { steps: { ask_name: { x: 1e9, y: 0 } } },
      { steps: { ask_name: { x: 0, y: 0, z: 1 } } },
      { steps: { "not an id": { x: 0, y: 0 } } },
      { steps: {}, zoom: 2 },
    ];
    for (const layout of bad) {
      const result = validateFlow(flow(layout), { steps: stepRegistry });
      expect(result.valid, JSON.stringify(layout)).toBe(false);
      expect(result.errors[0]?.path).toMatch(/^\$\.layout/);
    }
  });

  it("refuses a layout of more than 500 steps", () => {
    const steps = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`s${i}`, { x: i, y: i }]));
    expect(validateFlow(flow({ steps }), { steps: stepRegistry }).valid).toBe(false);
  });

  it("survives the canonical export", () => {
    const text = canonicalFlowText(flow({ steps: { thanks: { y: 2, x: 1 } } }), stepRegistry);
    expect(JSON.parse(text).layout).toEqual({ steps: { thanks: { x: 1, y: 2 } } });
  });

  it("is in the JSON Schema, described as ignored by the engine; step types carry their titles", () => {
    const schema = flowJsonSchema(stepRegistry) as {
      properties: Record<string, { description?: string }>;
      required: string[];
    };
    expect(schema.properties.layout?.description).toContain("the engine ignores it");
    expect(schema.required).not.toContain("layout");
    const steps = schema.properties.steps as unknown as { items: { oneOf: Array<{ title?: string }> } };
    expect(steps.items.oneOf.map((v) => v.title)).toContain("Ask a question");
    expect(steps.items.oneOf.every((v) => typeof v.title === "string")).toBe(true);
  });
});
