import { describe, expect, it } from "vitest";
import { AppError } from "../core/app-error.js";
import { attemptsRanOut } from "./attempts-ran-out.js";

describe("an effect's error once its attempts ran out", () => {
  it("says how many attempts failed and keeps what the error was (code, retry hint, outcome)", () => {
    const error = new AppError("NETWORK_ERROR", "Couldn't reach it.", {
      retry: "default",
      details: { outcome: "unknown" },
    });
    const final = attemptsRanOut(error, 3);
    expect(final).toMatchObject({
      code: "NETWORK_ERROR",
      retry: "default",
      message: "Couldn't reach it. Failed after 3 attempts.",
    });
    expect(final.details).toEqual({ outcome: "unknown", attempts: 3 });
  });

  it("leaves an error that was never retried (a refusal, a paused connection) as it was", () => {
    const refused = new AppError("VALIDATION_FAILED", "No.", { retry: "never" });
    const paused = new AppError("NETWORK_ERROR", "Paused.", { retry: { pausedUntil: 1 } });
    expect(attemptsRanOut(refused, 3)).toBe(refused);
    expect(attemptsRanOut(paused, 3)).toBe(paused);
  });
});
