import { describe, expect, it } from "vitest";
import { isSecureUrl } from "./secure-url.js";

describe("isSecureUrl", () => {
  it("accepts https anywhere", () => {
    expect(isSecureUrl("https://graph.facebook.com")).toBe(true);
    expect(isSecureUrl("https://acme.my.salesforce.com/")).toBe(true);
  });

  it("accepts plain http only on loopback: localhost, 127.0.0.0/8 and [::1]", () => {
    for (const url of [
      "http://localhost:3000",
      "http://127.0.0.1:9",
      "http://127.8.9.10",
      "http://[::1]:80",
    ]) {
      expect(isSecureUrl(url), url).toBe(true);
    }
    for (const url of [
      "http://graph.facebook.com",
      "http://10.0.0.1",
      "http://128.0.0.1",
      "http://localhost.evil.com",
      "http://127.0.0.1.nip.io",
      "http://[::2]",
    ]) {
      expect(isSecureUrl(url), url).toBe(false);
    }
  });

  it("refuses other schemes and what is not a URL", () => {
    expect(isSecureUrl("ftp://localhost")).toBe(false);
    expect(isSecureUrl("javascript:alert(1)")).toBe(false);
    expect(isSecureUrl("not a url")).toBe(false);
  });
});
