import { describe, expect, it } from "vitest";
import { rcsEventRequest, userTextMessage, webhookCheckBody } from "../../sandbox/rcs/webhooks.js";
import { allEvents } from "../channel.js";
import { rcsChannel } from "./index.js";

const config = rcsChannel.config.parse({
  agentId: "agent_1",
  serviceAccountKey: {
    client_email: "a@b.iam.gserviceaccount.com",
    // A throwaway key: config parsing only checks it is an RSA private key.
    private_key: (await import("node:crypto"))
      .generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString(),
  },
  clientToken: "SJENCPGJESMGUFPY",
});
const request = (body: string, headers: Record<string, string> = {}) => ({
  method: "POST" as const,
  headers,
  query: {},
  url: "https://tern.example/webhooks/ch_1",
  rawBody: Buffer.from(body),
});

describe("RCS webhook verification", () => {
  it("answers the setup check with the secret as the plain body, and stores nothing", () => {
    // Google's example: {"clientToken":"SJENCPGJESMGUFPY","secret":"1234567890"} → 200 "1234567890".
    const req = request(webhookCheckBody("SJENCPGJESMGUFPY", "1234567890"));
    expect(() => rcsChannel.verify(req, config)).not.toThrow();
    expect(allEvents(rcsChannel.parse(req, config))).toEqual([]);
    expect(rcsChannel.acknowledge?.(req, config)).toMatchObject({ status: 200, body: "1234567890" });
  });

  it("refuses a setup check with another client token", () => {
    const req = request(webhookCheckBody("SOMEONEELSE", "1234567890"));
    expect(() => rcsChannel.verify(req, config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });

  it("refuses an event signed with another client token, or with data that is not base64", () => {
    const data = userTextMessage({ agentId: "agent_1", from: "+12223334444", text: "Hi" });
    const signed = rcsEventRequest(data, "OTHERTOKEN");
    expect(() => rcsChannel.verify(request(signed.body, signed.headers), config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
    const good = rcsEventRequest(data, "SJENCPGJESMGUFPY");
    expect(() => rcsChannel.verify(request(good.body, good.headers), config)).not.toThrow();
    const broken = good.body.replace(/"data":"([A-Za-z0-9+/]{4})/, '"data":"@$1');
    expect(() => rcsChannel.verify(request(broken, good.headers), config)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });

  it("accepts the key file as pasted JSON text", () => {
    const parsed = rcsChannel.config.safeParse({
      ...config,
      serviceAccountKey: JSON.stringify(config.serviceAccountKey),
    });
    expect(parsed.success).toBe(true);
    expect(
      rcsChannel.config.safeParse({
        ...config,
        serviceAccountKey: { client_email: "x", private_key: "nope" },
      }).success,
    ).toBe(false);
  });
});
