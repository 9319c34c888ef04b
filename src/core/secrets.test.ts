import { describe, expect, it } from "vitest";
import { parseSecretKey } from "./secrets.js";

describe("parseSecretKey", () => {
  it("takes 64 hex characters or base64 of 32 bytes", () => {
    expect(parseSecretKey("ab".repeat(32))).toHaveLength(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString("base64"))).toHaveLength(32);
    expect(() => parseSecretKey("abc")).toThrow(/TERN_SECRET_KEY must be 32 bytes/);
  });

  it("says what to do with an empty key file (a first start that failed while writing it)", () => {
    expect(() => parseSecretKey("\n", "/data/secret.key")).toThrow(
      /\/data\/secret\.key is empty .*delete it to have a key made at the next start/,
    );
  });
});
