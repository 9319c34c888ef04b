import { describe, expect, it } from "vitest";
import { AppError, toAppError } from "./app-error.js";

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
