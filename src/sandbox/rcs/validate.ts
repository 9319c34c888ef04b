import type { KeyObject } from "node:crypto";
import { createVerify } from "node:crypto";
import { RcsLimits as L, RBM_SCOPE } from "../../channels/rcs/limits.js";

/**
 * The simulator's checks, as Google documents them: the OAuth JWT bearer assertion
 * (https://developers.google.com/identity/protocols/oauth2/service-account#httprest) and the
 * AgentMessage limits (https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages).
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface Suggestion {
  text: string;
  postbackData: string;
}

/** Checks a JWT bearer assertion; returns the reason it is refused, or null. */
export function checkAssertion(
  assertion: string,
  publicKey: KeyObject,
  expected: { iss: string; aud: string },
  nowSeconds: number,
): string | null {
  const parts = assertion.split(".");
  if (parts.length !== 3)
    return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.";
  const [h = "", c = "", s = ""] = parts;
  let header: Json;
  let claims: Json;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Json;
    claims = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as Json;
  } catch {
    return "Invalid JWT.";
  }
  if (header.alg !== "RS256") return "Invalid JWT: alg must be RS256.";
  if (!createVerify("RSA-SHA256").update(`${h}.${c}`).verify(publicKey, Buffer.from(s, "base64url"))) {
    return "Invalid JWT Signature.";
  }
  if (claims.iss !== expected.iss) return "Invalid JWT: iss is not the service account.";
  if (claims.aud !== expected.aud) return "Invalid JWT: aud is not the token URI.";
  const scopes = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
  if (!scopes.includes(RBM_SCOPE)) return "Invalid JWT: the rcsbusinessmessaging scope is missing.";
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp <= iat || exp - iat > 3600) {
    return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.";
  }
  if (exp < nowSeconds || iat > nowSeconds + 300) {
    return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values.";
  }
  return null;
}

/** Checks an AgentMessage body as the API does; returns the text and chips, or Google's message. */
export function validateAgentMessage(
  body: unknown,
): { text: string; suggestions: Suggestion[] } | { error: string } {
  if (!isObject(body) || !isObject(body.contentMessage)) return { error: "contentMessage is required" };
  const content = body.contentMessage;
  if (typeof content.text !== "string" || content.text.length === 0) {
    return { error: "contentMessage.text is required (only text messages are simulated)" };
  }
  if (content.text.length > L.textChars)
    return { error: `contentMessage.text exceeds ${L.textChars} characters` };
  const suggestions: Suggestion[] = [];
  if (content.suggestions !== undefined) {
    if (!Array.isArray(content.suggestions) || content.suggestions.length > L.suggestions) {
      return { error: `contentMessage.suggestions: at most ${L.suggestions}` };
    }
    for (const [i, s] of content.suggestions.entries()) {
      const r = isObject(s) ? s.reply : undefined;
      if (!isObject(r) || typeof r.text !== "string" || typeof r.postbackData !== "string") {
        return { error: `contentMessage.suggestions[${i}].reply must have text and postbackData` };
      }
      if (r.text.length === 0 || r.text.length > L.suggestionTextChars) {
        return {
          error: `contentMessage.suggestions[${i}].reply.text must be 1-${L.suggestionTextChars} characters`,
        };
      }
      if (r.postbackData.length > L.postbackDataChars) {
        return {
          error: `contentMessage.suggestions[${i}].reply.postbackData exceeds ${L.postbackDataChars}`,
        };
      }
      suggestions.push({ text: r.text, postbackData: r.postbackData });
    }
  }
  return { text: content.text, suggestions };
}
