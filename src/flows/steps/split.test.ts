import { describe, expect, it } from "vitest";
import { flowOf, startRun } from "../testing/engine-fixtures.js";
import { createFakeHost } from "../testing/fake-host.js";
import { splitPoint } from "./split.step.js";

describe("split", () => {
  const flow = flowOf([
    {
      id: "ab",
      type: "split",
      paths: [
        { name: "control", percent: 80, next: "a" },
        { percent: 20, next: "b" },
      ],
    },
    { id: "a", type: "end" },
    { id: "b", type: "end" },
  ]);

  it("spreads contacts by the percentages", async () => {
    const counts = { control: 0, B: 0 };
    for (let i = 0; i < 2_000; i++) {
      const host = createFakeHost({ contact: { id: `contact_${i}` } });
      const state = await startRun(flow, host, `run_${i}`);
      counts[(state.steps.ab as { path: "control" | "B" }).path] += 1;
    }
    expect(counts.control / 2_000).toBeGreaterThan(0.76);
    expect(counts.control / 2_000).toBeLessThan(0.84);
  });

  it("is sticky: the same contact, flow and step take the same path in every run", async () => {
    const paths = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      const host = createFakeHost({ contact: { id: "contact_x" } });
      paths.add(JSON.stringify((await startRun(flow, host, `run_${i}`)).steps.ab));
    }
    expect(paths.size).toBe(1);
    expect(splitPoint("contact_x:flow_1:ab")).toBe(splitPoint("contact_x:flow_1:ab"));
  });
});
