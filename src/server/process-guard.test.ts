import { describe, expect, it } from "vitest";
import { isGraphileDatabaseRejection } from "./process-guard.js";

/** A rejection as graphile-worker 0.17.3 leaves it when it cannot record a job's outcome. */
function rejectionFrom(file: string, error: Error & { code?: string }): Error {
  error.stack = `${error.name}: ${error.message}\n    at /app/node_modules/pg-pool/index.js:45:11\n    at async batchFailJobs (/app/node_modules/graphile-worker/dist/sql/${file}:47:9)`;
  return error;
}

describe("which unhandled rejections are graphile-worker's known lost job recordings", () => {
  it("recognises a storage failure while completing or failing a job", () => {
    const refused = () =>
      Object.assign(new Error('database "tern" is not currently accepting connections'), { code: "55000" });
    expect(isGraphileDatabaseRejection(rejectionFrom("failJobs.js", refused()))).toBe(true);
    expect(isGraphileDatabaseRejection(rejectionFrom("completeJobs.js", refused()))).toBe(true);
  });

  it("recognises the pool ended under a pending retry, and jobs not returned from graphile's local queue", () => {
    const ended = rejectionFrom("failJobs.js", new Error("Cannot use a pool after calling end on the pool"));
    expect(isGraphileDatabaseRejection(ended)).toBe(true);
    const notReturned = new Error(
      'Error occurred whilst returning jobs from local queue to database queue: database "tern" is not currently accepting connections',
    );
    notReturned.stack = `Error: ${notReturned.message}\n    at onError (/app/node_modules/graphile-worker/dist/localQueue.js:378:27)`;
    expect(isGraphileDatabaseRejection(notReturned)).toBe(true);
  });

  it("leaves anything else to be counted as a bug", () => {
    // A bug inside the same graphile code is not a database outage.
    expect(isGraphileDatabaseRejection(rejectionFrom("failJobs.js", new TypeError("x is undefined")))).toBe(
      false,
    );
    // A storage failure anywhere else is a promise of ours nobody awaited.
    const elsewhere = Object.assign(new Error("Connection terminated unexpectedly"), {
      stack:
        "Error: Connection terminated unexpectedly\n    at async run (/app/dist/src/queue/worker.js:1:1)",
    });
    expect(isGraphileDatabaseRejection(elsewhere)).toBe(false);
    expect(isGraphileDatabaseRejection("not an error")).toBe(false);
  });
});
