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
});
