import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { birdChannel } from "./index.js";
import { checkMessageBirdJwt } from "./jwt.js";
import { verify } from "./verify.js";

/** MessageBird's reference vectors (fixtures/README.md), each checked at its own timestamp. */
const vectors = JSON.parse(
  readFileSync(new URL("./fixtures/jwt-vectors.json", import.meta.url), "utf8"),
) as Array<{
  name: string;
  secret: string;
  url: string;
  payload?: string;
  timestamp: string;
  token: string;
  valid: boolean;
}>;

describe("MessageBird-Signature-JWT", () => {
  it.each(vectors.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const reason = checkMessageBirdJwt({
      token: v.token,
      signingKey: v.secret,
      url: v.url,
      body: Buffer.from(v.payload ?? "", "utf8"),
      nowSeconds: Math.floor(Date.parse(v.timestamp) / 1000),
    });
    if (v.valid) expect(reason).toBeNull();
    else expect(reason).not.toBeNull();
  });

  it("verify() takes the JWT header when there is no HMAC header, with the clock it is given", () => {
    const v = vectors[0]!;
    const config = birdChannel.config.parse({
      workspaceId: "w",
      channelId: "c",
      accessKey: "a",
      signingKey: v.secret,
    });
    const req = {
      method: "POST" as const,
      headers: { "messagebird-signature-jwt": v.token },
      query: {},
      url: v.url,
      rawBody: Buffer.from(v.payload ?? ""),
    };
    const at = Date.parse(v.timestamp);
    expect(() => verify(req, config, () => at)).not.toThrow();
    // An hour later the token has expired.
    expect(() => verify(req, config, () => at + 3_600_000)).toThrow(
      expect.objectContaining({ code: "CHANNEL_SIGNATURE_INVALID" }),
    );
  });
});
