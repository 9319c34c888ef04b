import { createHash, createHmac } from "node:crypto";
import { constantTimeEqual } from "../meta/signature.js";

/**
 * The legacy `MessageBird-Signature-JWT` header, still posted by many MessageBird accounts: a JWT
 * signed HS256/384/512 with the signing key, issuer `MessageBird`, `nbf`/`exp` checked with 5 s
 * of tolerance, `url_hash` = sha256 hex of the full URL and `payload_hash` = sha256 hex of the
 * body (required when the body is not empty), and a `jti`. As messagebird/messagebird-nodejs
 * lib/webhook-signature-jwt.js checks it; its reference vectors are in jwt.test.ts.
 * Hand-written on node:crypto: one HMAC and two hashes do not justify a JWT library.
 * Returns the reason when the token is refused, or null when it is valid.
 */
const ALGORITHMS = { HS256: "sha256", HS384: "sha384", HS512: "sha512" } as const;
const CLOCK_TOLERANCE_S = 5;
const SEGMENT = /^[A-Za-z0-9_-]*$/;

export function checkMessageBirdJwt(input: {
  token: string;
  signingKey: string;
  url: string;
  body: Buffer;
  nowSeconds: number;
}): string | null {
  const parts = input.token.split(".");
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return "not a JWT";
  const [headerPart = "", claimsPart = "", signaturePart = ""] = parts;
  const header = decodeJson(headerPart);
  const claims = decodeJson(claimsPart);
  if (!header || !claims) return "not a JWT";
  const alg = header.alg;
  if (typeof alg !== "string" || !Object.hasOwn(ALGORITHMS, alg)) {
    return `signing method ${String(alg)} is not accepted`;
  }
  const expected = createHmac(ALGORITHMS[alg as keyof typeof ALGORITHMS], input.signingKey)
    .update(`${headerPart}.${claimsPart}`)
    .digest();
  if (!constantTimeEqual(Buffer.from(signaturePart, "base64url"), expected)) return "signature is invalid";
  if (claims.iss !== "MessageBird") return "issuer is not MessageBird";
  const now = input.nowSeconds;
  if (typeof claims.nbf === "number" && claims.nbf > now + CLOCK_TOLERANCE_S) return "nbf is in the future";
  if (typeof claims.exp !== "number" || claims.exp < now - CLOCK_TOLERANCE_S) return "token has expired";
  if (typeof claims.jti !== "string" || claims.jti === "") return "jti claim is missing";
  if (typeof claims.url_hash !== "string") return "url_hash claim is missing";
  if (!hashMatches(claims.url_hash, Buffer.from(input.url, "utf8"))) return "url_hash does not match the URL";
  if (typeof claims.payload_hash === "string") {
    if (input.body.length === 0) return "payload_hash is set but the body is empty";
    if (!hashMatches(claims.payload_hash, input.body)) return "payload_hash does not match the body";
  } else if (input.body.length > 0) {
    return "the body is not empty but no payload_hash claim is present";
  }
  return null;
}

function hashMatches(hex: string, data: Buffer): boolean {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  return constantTimeEqual(Buffer.from(hex, "hex"), createHash("sha256").update(data).digest());
}

function decodeJson(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
