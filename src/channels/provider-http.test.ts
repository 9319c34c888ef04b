import { describe, expect, it } from "vitest";
import { isOutcomeUnknown } from "../queue/effects.js";
import { retryAfterMs, unreadableAnswer } from "./provider-http.js";

const headers = (value: string) => new Headers({ "retry-after": value });
const now = Date.parse("2026-03-01T12:00:00Z");

describe("retryAfterMs", () => {
  it("reads delay-seconds", () => {
    expect(retryAfterMs(headers("7"), now)).toBe(7_000);
    expect(retryAfterMs(headers(" 120 "), now)).toBe(120_000);
  });

  it("reads an HTTP-date, the other form RFC 9110 allows", () => {
    expect(retryAfterMs(headers("Sun, 01 Mar 2026 12:00:30 GMT"), now)).toBe(30_000);
  });

  it("gives nothing for a date already past, zero, a negative or unreadable value, or no header", () => {
    expect(retryAfterMs(headers("Sun, 01 Mar 2026 11:59:00 GMT"), now)).toBeUndefined();
    expect(retryAfterMs(headers("0"), now)).toBeUndefined();
    expect(retryAfterMs(headers("-5"), now)).toBeUndefined();
    expect(retryAfterMs(headers("soon"), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});

describe("unreadableAnswer", () => {
  it("is an unknown outcome (the provider took the request), not a refusal a fallback would resend", () => {
    const error = unreadableAnswer("Telegram", { status: 200 }, "message id");
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(error.retry).not.toBe("never");
    expect(error.message).toBe(
      "Telegram accepted the request but returned no message id; the message may have been sent.",
    );
  });
});
