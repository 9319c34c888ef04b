import { describe, expect, it } from "vitest";
import { sandboxOffText } from "./sandbox-off";

describe("why the sandbox is off, in words", () => {
  const at = Date.UTC(2026, 11, 7, 6, 11, 21);
  const iso = new Date(at).toISOString();

  it("gives the time it stepped aside in the reader's locale, never the API's ISO time", () => {
    const text = sandboxOffText({
      isOn: false,
      reason: `stepped aside on ${iso}`,
      cause: "stepped-aside",
      steppedAsideAt: at,
    });
    expect(text).toContain(new Date(at).toLocaleString());
    expect(text).not.toContain(iso);
    expect(text).toMatch(/does not come back by itself\. .*restart Tern with TERN_SANDBOX=on\.$/);
  });

  it("says what brings it back while channels or connections of yours exist, and when it was never on", () => {
    expect(sandboxOffText({ isOn: false, reason: "x", cause: "yours", steppedAsideAt: at })).toMatch(
      /^it stepped aside on .* for a channel or connection of yours, and stays off\. To use it again, delete/,
    );
    expect(sandboxOffText({ isOn: false, reason: "x", cause: "yours", steppedAsideAt: null })).toMatch(
      /^it stepped aside for a channel/,
    );
    expect(sandboxOffText({ isOn: false, reason: "x", cause: "off", steppedAsideAt: null })).toBe(
      "it is not running (TERN_SANDBOX=off).",
    );
    expect(sandboxOffText({ isOn: false, reason: "the API's words" })).toBe("the API's words.");
  });
});
