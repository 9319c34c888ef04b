import { describe, expect, it } from "vitest";
import { runShutdownSteps, shutdownStepInProgress } from "./shutdown.js";

const silent = { error: () => {} };

describe("a process's shutdown steps", () => {
  it("run in order even after one failed, rethrow the first failure, and name the step waited on", async () => {
    const ran: string[] = [];
    let finishHandBack = () => {};
    const shutdown = runShutdownSteps(silent, [
      ["close the HTTP server", () => ran.push("http")],
      ["stop the timers", () => Promise.reject(new Error("timer stuck"))],
      [
        "hand back jobs",
        () =>
          new Promise<void>((resolve) => {
            ran.push("jobs");
            finishHandBack = resolve;
          }),
      ],
      ["end the pool", () => ran.push("pool")],
    ]);
    await new Promise((r) => setImmediate(r));
    // What the deadline's log line names while the shutdown hangs.
    expect(shutdownStepInProgress()).toBe("hand back jobs");
    finishHandBack();
    await expect(shutdown).rejects.toThrow("timer stuck");
    expect(ran).toEqual(["http", "jobs", "pool"]);
    expect(shutdownStepInProgress()).toBeNull();
  });
});
