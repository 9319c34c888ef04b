import { describe, expect, it } from "vitest";
import type { Flow } from "./schema.js";
import { triggerOverlapWarnings } from "./trigger-overlap.js";

const message = (trigger: Record<string, unknown>) =>
  ({ trigger: { type: "message", channels: ["whatsapp"], on: "any", ...trigger } }) as unknown as Pick<
    Flow,
    "trigger"
  >;
const other = (id: string, trigger: Record<string, unknown>) => ({ id, name: id, flow: message(trigger) });

describe("triggerOverlapWarnings", () => {
  it("names another published flow sharing a keyword (folded) on a shared channel", () => {
    const [warning, ...rest] = triggerOverlapWarnings(message({ keywords: ["Support", "help"] }), [
      other("flow_a", { keywords: ["SUPPORT"] }),
      other("flow_b", { keywords: ["billing"] }),
    ]);
    expect(rest).toEqual([]);
    expect(warning?.message).toContain('"flow_a" (flow_a) also starts on the keyword "support" on whatsapp');
  });

  it("names two catch-alls for the same messages, and not a catch-all beside a keyword flow", () => {
    expect(triggerOverlapWarnings(message({}), [other("flow_a", {})])).toHaveLength(1);
    expect(triggerOverlapWarnings(message({}), [other("flow_a", { on: "first" })])).toEqual([]);
    expect(triggerOverlapWarnings(message({}), [other("flow_a", { keywords: ["x"] })])).toEqual([]);
  });

  it("leaves out other channels, other trigger tags and non-message triggers", () => {
    const mine = message({ keywords: ["x"] });
    expect(triggerOverlapWarnings(mine, [other("a", { keywords: ["x"], channels: ["telegram"] })])).toEqual(
      [],
    );
    expect(triggerOverlapWarnings(mine, [other("a", { keywords: ["x"], tags: ["vip"] })])).toEqual([]);
    const api = { trigger: { type: "api" } } as unknown as Pick<Flow, "trigger">;
    expect(triggerOverlapWarnings(api, [other("a", { keywords: ["x"] })])).toEqual([]);
  });
});
