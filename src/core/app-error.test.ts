import { describe, expect, it } from "vitest";
import {
  AppError,
  CoreErrorCodes,
  knownErrorCodes,
  pausedUntil,
  registerErrorCodes,
  toAppError,
} from "./app-error.js";

describe("toAppError", () => {
  it("never marks an unexpected error (a bug in our code) as worth retrying, and keeps it as the cause", () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const wrapped = toAppError(bug);
    expect(wrapped).toMatchObject({ code: "INTERNAL", retry: "never" });
    expect(wrapped.cause).toBe(bug);
    expect((wrapped.cause as Error).stack).toContain("TypeError");
  });

  it("returns an AppError as it is, with its own retry hint", () => {
    const error = new AppError("NETWORK_ERROR", "down", { retry: "default" });
    expect(toAppError(error)).toBe(error);
  });
});

describe("error code registry", () => {
  it("holds only core codes until an integration registers its own", async () => {
    expect(Object.keys(CoreErrorCodes).some((code) => code.startsWith("SALESFORCE_"))).toBe(false);
    await import("../connectors/salesforce/errors/error-codes.js");
    expect(knownErrorCodes()).toMatchObject({ SALESFORCE_DUPLICATE: 502, FLOW_INVALID: 422 });
    expect(new AppError("SALESFORCE_DUPLICATE", "dup").httpStatus).toBe(502);
  });

  it("refuses to redefine a core code", () => {
    expect(() => registerErrorCodes({ NOT_FOUND: 500 })).toThrow(/belongs to the core/);
    expect(new AppError("NOT_FOUND", "x").httpStatus).toBe(404);
  });

  it("a pause is not an ordinary retry hint", () => {
    expect(pausedUntil({ pausedUntil: 42 })).toBe(42);
    expect(pausedUntil({ afterMs: 42 })).toBeNull();
    expect(pausedUntil("default")).toBeNull();
  });
});
