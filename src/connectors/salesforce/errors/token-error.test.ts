import { describe, expect, it } from "vitest";
import { tokenError } from "./errors.js";

describe("a token endpoint answer without an OAuth error", () => {
  // A connection test retries nothing: its message said "Will retry." to someone who had to.
  it("says a 5xx is Salesforce unavailable, that runs retry, and that a test is tried again later", () => {
    const error = tokenError(503, "text/plain", "Service Unavailable", []);
    expect(error.code).toBe("SALESFORCE_UNAVAILABLE");
    expect(error.message).not.toContain("Will retry");
    expect(error.message).toContain("runs retry on their own; test the connection again later");
  });

  it("says nothing of retrying for a 4xx, which is the credentials", () => {
    const error = tokenError(400, "application/json", "{}", []);
    expect(error.code).toBe("SALESFORCE_AUTH_FAILED");
    expect(error.message).not.toMatch(/retry/i);
  });
});
