import { describe, expect, it } from "vitest";
import { AppError, toAppError } from "../core/app-error.js";
import { isStorageFailure, isTransient, retryDelayMs, storageRetryDelayMs } from "./failures.js";

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
    for (const code of [
      "08006",
      "08003",
      "25006",
      "57014",
      "55P03",
      "40001",
      "40P01",
      "53300",
      "57P01",
      "ECONNRESET",
      "ECONNREFUSED",
    ])
      expect(isStorageFailure(withCode(code)), code).toBe(true);
    for (const code of [
      "SQLITE_BUSY",
      "SQLITE_FULL",
      "SQLITE_IOERR_FSYNC",
      "SQLITE_LOCKED",
      "SQLITE_READONLY_DBMOVED",
    ])
      expect(isStorageFailure(withCode(code)), code).toBe(true);
    // The WAL's fdatasync on a failing, full or read-only file system (write-batcher.ts), but not
    // inside a cause, where it may be any file a step read.
    for (const code of ["EIO", "ENOSPC", "EDQUOT", "EROFS"]) {
      expect(isStorageFailure(withCode(code, `${code}: fdatasync`)), code).toBe(true);
      expect(isStorageFailure(new Error("step failed", { cause: withCode(code) })), code).toBe(false);
    }
  });

  it("counts a server that will not take a connection now: refusing, missing, or refusing the password", () => {
    const refusing = withCode("55000", 'database "tern" is not currently accepting connections');
    for (const error of [
      refusing,
      withCode("3D000"),
      withCode("57P04"),
      withCode("28P01"),
      withCode("28000"),
    ]) {
      expect(isStorageFailure(error), error.code).toBe(true);
      expect(isTransient(error), error.code).toBe(true);
    }
    // 55000 holds other errors too, which a retry would not mend.
    expect(isStorageFailure(withCode("55000", "cannot drop the currently open database"))).toBe(false);
  });

  it("sees through toAppError's INTERNAL wrapper, which a step's bookkeeping may add, but no other AppError", () => {
    const lost = withCode("57P01", "terminating connection due to administrator command");
    const wrapped = toAppError(lost);
    expect(wrapped.code).toBe("INTERNAL");
    expect(isStorageFailure(wrapped)).toBe(true);
    expect(isTransient(wrapped)).toBe(true);
    expect(isStorageFailure(toAppError(new Error("x", { cause: new Error("Connection terminated") })))).toBe(
      true,
    );
    // The socket rule stays for the database's own socket: an adapter's fetch inside a wrapper is not.
    expect(isStorageFailure(toAppError(withCode("ECONNRESET")))).toBe(true);
    expect(
      isStorageFailure(toAppError(new TypeError("fetch failed", { cause: withCode("ECONNRESET") }))),
    ).toBe(false);
    expect(isStorageFailure(toAppError(new TypeError("Cannot read properties of undefined")))).toBe(false);
    expect(isTransient(toAppError(new TypeError("Cannot read properties of undefined")))).toBe(false);
    expect(isStorageFailure(new AppError("NETWORK_ERROR", "x", { cause: lost }))).toBe(false);
  });

  it("leaves what would fail the same way again to the step or the dead letters", () => {
    for (const error of [
      withCode("23505", "duplicate key value violates unique constraint"),
      withCode("42P01", "relation does not exist"),
      withCode("25P02", "current transaction is aborted, commands ignored until end of transaction block"),
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

describe("how long a failed message waits before its next attempt", () => {
  it("backs off to a minute for a transient failure, and to 10 s while the database fails", () => {
    expect([1, 2, 3, 4, 5, 9].map(retryDelayMs)).toEqual([1_000, 4_000, 16_000, 60_000, 60_000, 60_000]);
    expect([1, 2, 3, 4, 5, 50].map(storageRetryDelayMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
  });
});
