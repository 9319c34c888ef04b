import { describe, expect, it } from "vitest";
import { AppError } from "../../core/app-error.js";
import type { WebhookRequest } from "../channel.js";
import type { WhatsAppConfig } from "./config.js";
import { computeSignature, handshake, verify } from "./verify.js";

const config: WhatsAppConfig = {
  phoneNumberId: "123456123",
  accessToken: "EAAG-token",
  appSecret: "secret",
  verifyToken: "my-verify-token",
  apiBaseUrl: "https://graph.facebook.com",
  apiVersion: "v23.0",
  sendRatePerSecond: 80,
};
const VECTOR = "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914";

function post(body: string, headers: Record<string, string | undefined>): WebhookRequest {
  return {
    method: "POST",
    headers,
    query: {},
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.from(body, "utf8"),
  };
}

function get(query: Record<string, string | undefined>): WebhookRequest {
  return {
    method: "GET",
    headers: {},
    query,
    url: "https://tern.example/webhooks/ch_1",
    rawBody: Buffer.alloc(0),
  };
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("verify", () => {
  it("computes the documented test vector (key 'secret', body 'test')", () => {
    expect(computeSignature("test", "secret")).toBe(VECTOR);
  });

  it("accepts a webhook signed with the app secret over the raw body", () => {
    expect(() => verify(post("test", { "x-hub-signature-256": VECTOR }), config)).not.toThrow();
  });

  it("finds the header whatever its case and accepts uppercase hex", () => {
    const upper = `sha256=${VECTOR.slice(7).toUpperCase()}`;
    expect(() => verify(post("test", { "X-Hub-Signature-256": upper }), config)).not.toThrow();
  });

  it("rejects a webhook whose signature was made with another secret", () => {
    const error = errorOf(() =>
      verify(post("test", { "x-hub-signature-256": computeSignature("test", "other") }), config),
    );
    expect(error.code).toBe("CHANNEL_SIGNATURE_INVALID");
    expect(error.httpStatus).toBe(401);
  });

  it("rejects a webhook without the signature header", () => {
    expect(errorOf(() => verify(post("test", {}), config)).code).toBe("CHANNEL_SIGNATURE_INVALID");
  });

  it("rejects a tampered body", () => {
    const error = errorOf(() => verify(post("test ", { "x-hub-signature-256": VECTOR }), config));
    expect(error.code).toBe("CHANNEL_SIGNATURE_INVALID");
  });

  it("rejects signatures of the wrong length or format without throwing a RangeError", () => {
    for (const header of [
      VECTOR.slice(0, -2),
      `${VECTOR}00`,
      VECTOR.slice(7),
      "sha1=abc",
      "sha256=",
      "sha256=zz",
    ]) {
      const error = errorOf(() => verify(post("test", { "x-hub-signature-256": header }), config));
      expect(error.code).toBe("CHANNEL_SIGNATURE_INVALID");
    }
  });

  it("does not accept a signature keyed with the verify token (Meta sample bug)", () => {
    const header = computeSignature("test", config.verifyToken);
    expect(errorOf(() => verify(post("test", { "x-hub-signature-256": header }), config)).code).toBe(
      "CHANNEL_SIGNATURE_INVALID",
    );
  });
});

describe("handshake", () => {
  it("answers the challenge as a plain body when the verify token matches", () => {
    const result = handshake(
      get({ "hub.mode": "subscribe", "hub.verify_token": "my-verify-token", "hub.challenge": "1158201444" }),
      config,
    );
    expect(result).toEqual({ status: 200, body: "1158201444" });
  });

  it("refuses a wrong verify token with 403", () => {
    const error = errorOf(() =>
      handshake(get({ "hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1" }), config),
    );
    expect(error.code).toBe("CHANNEL_VERIFY_TOKEN_INVALID");
    expect(error.httpStatus).toBe(403);
  });

  it("refuses a verify token that is a prefix of the real one", () => {
    const error = errorOf(() =>
      handshake(
        get({ "hub.mode": "subscribe", "hub.verify_token": "my-verify", "hub.challenge": "1" }),
        config,
      ),
    );
    expect(error.code).toBe("CHANNEL_VERIFY_TOKEN_INVALID");
  });

  it("returns null for a GET that is not a handshake", () => {
    expect(handshake(get({}), config)).toBeNull();
    expect(
      handshake(get({ "hub.mode": "unsubscribe", "hub.verify_token": "my-verify-token" }), config),
    ).toBeNull();
  });
});
