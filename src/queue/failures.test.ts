import { describe, expect, it } from "vitest";
import { AppError } from "../core/app-error.js";
import { isStorageFailure, isTransient } from "./failures.js";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("which failures are the storage's (retried) and which the message's (dead-lettered)", () => {
  it("counts node-postgres's lost connections, which carry no SQLSTATE, as the storage's", () => {
    for (const message of [
      "Connection terminated unexpectedly",
      "Connection terminated",
      "Connection terminated due to connection timeout",
      "Client has encountered a connection error and is not queryable",
      "Client was closed and is not queryable",
      "timeout exceeded when trying to connect",
    ]) {
      expect(isStorageFailure(new Error(message)), message).toBe(true);
      expect(isTransient(new Error(message)), message).toBe(true);
    }
    // Found through the cause too (a wrapper that kept it).
    expect(isStorageFailure(new Error("write failed", { cause: new Error("Connection terminated") }))).toBe(
      true,
    );
  });

  it("counts connection, serialization, resource and shutdown SQLSTATEs and the disk's SQLite codes", () => {
    for (const code of ["08006", "08003", "40001", "40P01", "53300", "57P01", "ECONNRESET", "ECONNREFUSED"])
      expect(isStorageFailure(withCode(code)), code).toBe(true);
    for (const code of ["SQLITE_BUSY", "SQLITE_FULL", "SQLITE_IOERR_FSYNC", "SQLITE_LOCKED"])
      expect(isStorageFailure(withCode(code)), code).toBe(true);
  });

  it("leaves what would fail the same way again to the step or the dead letters", () => {
    for (const error of [
      withCode("23505", "duplicate key value violates unique constraint"),
      withCode("42P01", "relation does not exist"),
      withCode("SQLITE_CONSTRAINT_UNIQUE"),
      withCode("SQLITE_ERROR"),
      new TypeError("Cannot read properties of undefined"),
      new Error("Connection refused by the flow"), // words alone are not enough
      // An HTTP call's refused socket inside `fetch failed`: the step's failure, not the database's.
      new TypeError("fetch failed", { cause: withCode("ECONNREFUSED", "connect ECONNREFUSED") }),
      new AppError("CHANNEL_NOT_FOUND", "Connection terminated"), // an AppError says for itself
    ])
      expect(isStorageFailure(error), String(error)).toBe(false);
    expect(isTransient(new AppError("CHANNEL_SEND_FAILED", "x", { retry: "default" }))).toBe(true);
    expect(isTransient(new AppError("CHANNEL_SEND_FAILED", "x", { retry: "never" }))).toBe(false);
  });
});
