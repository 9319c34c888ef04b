import { describe, expect, it } from "vitest";
import { isLostJobRecording } from "./process-guard.js";

/** A rejection as graphile-worker 0.17.3 leaves it when it cannot record a job's outcome. */
function rejectionFrom(file: string, error: Error & { code?: string }): Error {
  error.stack = `${error.name}: ${error.message}\n    at /app/node_modules/pg-pool/index.js:45:11\n    at async batchFailJobs (/app/node_modules/graphile-worker/dist/sql/${file}:47:9)`;
  return error;
}

describe("which unhandled rejections are graphile-worker's known lost job recordings", () => {
  it("recognises a storage failure while completing or failing a job", () => {
    const refused = () =>
      Object.assign(new Error('database "tern" is not currently accepting connections'), { code: "55000" });
    expect(isLostJobRecording(rejectionFrom("failJobs.js", refused()))).toBe(true);
    expect(isLostJobRecording(rejectionFrom("completeJobs.js", refused()))).toBe(true);
  });

  it("leaves anything else to be counted as a bug", () => {
    // A bug inside the same graphile code is not a database outage.
    expect(isLostJobRecording(rejectionFrom("failJobs.js", new TypeError("x is undefined")))).toBe(false);
    // A storage failure anywhere else is a promise of ours nobody awaited.
    const elsewhere = Object.assign(new Error("Connection terminated unexpectedly"), {
      stack:
        "Error: Connection terminated unexpectedly\n    at async run (/app/dist/src/queue/worker.js:1:1)",
    });
    expect(isLostJobRecording(elsewhere)).toBe(false);
    expect(isLostJobRecording("not an error")).toBe(false);
  });
});
