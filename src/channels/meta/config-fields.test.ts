import { describe, expect, it } from "vitest";
import { InstagramConfig } from "../instagram/config.js";
import { MessengerConfig } from "../messenger/config.js";

const messenger = { pageId: "682498302938465", pageAccessToken: "t", appSecret: "s", verifyToken: "v" };
const instagram = { accountId: "17841405822304914", accessToken: "t", appSecret: "s", verifyToken: "v" };

describe("Messenger and Instagram configuration", () => {
  it("defaults each product to its own Graph host", () => {
    expect(MessengerConfig.parse(messenger)).toMatchObject({
      apiBaseUrl: "https://graph.facebook.com",
      apiVersion: "v23.0",
    });
    expect(InstagramConfig.parse(instagram)).toMatchObject({ apiBaseUrl: "https://graph.instagram.com" });
  });

  it("refuses a Page name or URL where the numeric id belongs, saying so", () => {
    const result = MessengerConfig.safeParse({ ...messenger, pageId: "https://facebook.com/acme" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/numeric id/);
    expect(InstagramConfig.safeParse({ ...instagram, accountId: "@acme" }).success).toBe(false);
  });

  it("sends the token only over https, loopback excepted (the simulator)", () => {
    expect(MessengerConfig.safeParse({ ...messenger, apiBaseUrl: "http://graph.example.com" }).success).toBe(
      false,
    );
    expect(InstagramConfig.safeParse({ ...instagram, apiBaseUrl: "http://127.0.0.1:9999" }).success).toBe(
      true,
    );
  });
});
