import { describe, expect, it } from "vitest";
import { publicUrlWarning } from "./public-url-warning.js";

describe("publicUrlWarning", () => {
  it("warns about plain http on a host other than loopback, naming the origin only", () => {
    const warning = publicUrlWarning("http://tern.example.com/base");
    expect(warning).toContain("TERN_PUBLIC_URL is plain http:// (http://tern.example.com)");
    expect(warning).toContain("Salesforce accepts only https:// callback URLs");
    expect(publicUrlWarning("http://10.0.0.5:3000")).toContain("(http://10.0.0.5:3000)");
  });

  it("says nothing for https, loopback or an unset TERN_PUBLIC_URL", () => {
    for (const value of [
      "https://tern.example.com",
      "http://localhost:3000",
      "http://127.0.0.1:3000",
      "http://[::1]:3000",
      undefined,
    ]) {
      expect(publicUrlWarning(value), String(value)).toBeNull();
    }
  });
});
