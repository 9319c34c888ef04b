import { describe, expect, it } from "vitest";
import { publishedFlowsUsing } from "./connection-users.js";

/** Published versions as the flows repo gives them: only `published` and `version` are read. */
function flowsOf(definitions: Record<string, unknown>) {
  const ids = Object.keys(definitions);
  return {
    flows: {
      published: async () => ids.map((id) => ({ id, version: 2, createdAt: 0 })),
      version: async (id: string) => ({ definition: definitions[id] }),
    },
  } as unknown as Parameters<typeof publishedFlowsUsing>[0];
}

describe("publishedFlowsUsing", () => {
  it("finds a step's own connection and a handoff Case's, and nothing else by that name", async () => {
    const repos = flowsOf({
      create: { steps: [{ id: "a", type: "salesforce.create", connection: "crm" }] },
      handoff: { steps: [{ id: "h", type: "handoff", case: { connection: "crm", fields: {} } }] },
      text: { steps: [{ id: "s", type: "send", text: "crm" }] },
      other: { steps: [{ id: "b", type: "http", connection: "crm-2" }] },
    });
    expect(await publishedFlowsUsing(repos, "crm")).toEqual([
      { id: "create", version: 2 },
      { id: "handoff", version: 2 },
    ]);
  });
});
