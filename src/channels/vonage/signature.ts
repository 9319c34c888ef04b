import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { VonageSignatureMethod } from "./config.js";

/**
 * The string Vonage signs: every parameter but `sig`, sorted by name, each as `&name=value` with
 * `&` and `=` inside values replaced by `_`.
 * https://developer.vonage.com/en/getting-started/concepts/signing-messages#manually-generate-a-signature
 * (and @vonage/auth `createSignatureHash`).
 */
export function signingString(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== "sig")
    .sort()
    .map((name) => `&${name}=${String(params[name]).replace(/[&=]/g, "_")}`)
    .join("");
}

/** The `sig` for these parameters, lower-case hex. */
export function vonageSignature(
  params: Record<string, string>,
  secret: string,
  method: VonageSignatureMethod,
): string {
  const data = signingString(params);
  if (method === "md5hash")
    return createHash("md5")
      .update(data + secret, "utf8")
      .digest("hex");
  return createHmac(method, secret).update(data, "utf8").digest("hex");
}

/** Methods whose signature has this many hex digits. */
function methodsForLength(length: number): VonageSignatureMethod[] {
  switch (length) {
    case 32:
      return ["md5hash", "md5"];
    case 40:
      return ["sha1"];
    case 64:
      return ["sha256"];
    case 128:
      return ["sha512"];
    default:
      return [];
  }
}

/** Constant-time, case-insensitive comparison of `sig` (Vonage's HMACs are upper-case hex). */
export function signatureMatches(
  params: Record<string, string>,
  sig: string,
  secret: string,
  method: VonageSignatureMethod | undefined,
): boolean {
  if (!/^[0-9a-fA-F]+$/.test(sig)) return false;
  const received = Buffer.from(sig, "hex");
  const methods = method ? [method] : methodsForLength(sig.length);
  return methods.some((m) => {
    const expected = Buffer.from(vonageSignature(params, secret, m), "hex");
    return expected.length === received.length && timingSafeEqual(expected, received);
  });
}
