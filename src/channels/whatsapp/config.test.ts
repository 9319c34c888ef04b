import { describe, expect, it } from "vitest";
import { WhatsAppConfig } from "./config.js";

const base = {
  phoneNumberId: "106540352242922",
  accessToken: "EAAG-token",
  appSecret: "s",
  verifyToken: "v",
};

describe("WhatsApp channel config", () => {
  it("refuses a plain-http apiBaseUrl on a public host: the access token would travel in clear", () => {
    const parsed = WhatsAppConfig.safeParse({ ...base, apiBaseUrl: "http://graph.facebook.com" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain("must use https://");
    expect(WhatsAppConfig.safeParse({ ...base, apiBaseUrl: "http://10.1.2.3:8080" }).success).toBe(false);
  });

  it("accepts https, and plain http on loopback only (the simulator and tests)", () => {
    expect(WhatsAppConfig.parse(base).apiBaseUrl).toBe("https://graph.facebook.com");
    for (const url of [
      "https://graph.facebook.com",
      "http://127.0.0.1:4000",
      "http://localhost:4000",
      "http://[::1]:4000",
    ]) {
      expect(WhatsAppConfig.safeParse({ ...base, apiBaseUrl: url }).success, url).toBe(true);
    }
  });

  it("refuses a base address a request path cannot be appended to, saying why", () => {
    const messageFor = (apiBaseUrl: string) =>
      WhatsAppConfig.safeParse({ ...base, apiBaseUrl }).error?.issues.map((i) => i.message);
    // Meta's docs show URLs with the version: it is its own setting (else /v23.0/v23.0/…).
    expect(messageFor("https://graph.facebook.com/v23.0")).toEqual([
      expect.stringContaining("the version is its own setting, apiVersion"),
    ]);
    expect(messageFor("https://graph.facebook.com/v23.0/")).toHaveLength(1);
    for (const url of [
      "https://user:pw@graph.facebook.com",
      "https://proxy.example.com/meta?x=1",
      "https://g.example.com/#f",
    ]) {
      expect(messageFor(url), url).toEqual([expect.stringContaining("no user:password@, no ?query")]);
    }
    // A proxy's path prefix is fine.
    expect(WhatsAppConfig.safeParse({ ...base, apiBaseUrl: "https://proxy.example.com/meta" }).success).toBe(
      true,
    );
  });
});
