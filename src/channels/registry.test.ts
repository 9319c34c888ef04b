import { describe, expect, it } from "vitest";
import { channelTypes, getChannelDefinition } from "./registry.js";

describe("channel registry", () => {
  it("finds WhatsApp by its persisted type", () => {
    expect(getChannelDefinition("whatsapp")).toBe(channelTypes.whatsapp);
    expect(getChannelDefinition("whatsapp")?.secretFields).toEqual([
      "accessToken",
      "appSecret",
      "verifyToken",
    ]);
  });

  it("returns undefined for unknown types and inherited keys", () => {
    expect(getChannelDefinition("no-such-channel")).toBeUndefined();
    expect(getChannelDefinition("toString")).toBeUndefined();
  });

  it("fills config defaults", () => {
    const config = channelTypes.whatsapp.config.parse({
      phoneNumberId: "123",
      accessToken: "t",
      appSecret: "s",
      verifyToken: "v",
    });
    expect(config).toMatchObject({ apiBaseUrl: "https://graph.facebook.com", apiVersion: "v23.0" });
    expect(channelTypes.whatsapp.config.safeParse({ ...config, apiVersion: "23" }).success).toBe(false);
  });
});
