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

/** What a valid AgentMessage shows: its text (a card's description), chips and card media. */
export interface CheckedMessage {
  text: string;
  suggestions: Suggestion[];
  /** The rich card's media URL, when the message is one. */
  mediaUrl?: string;
}

/** Checks an AgentMessage body as the API does; returns what it shows, or Google's message. */
export function validateAgentMessage(body: unknown): CheckedMessage | { error: string } {
  if (!isObject(body) || !isObject(body.contentMessage)) return { error: "contentMessage is required" };
  const content = body.contentMessage;
  const shown = content.richCard !== undefined ? checkCard(content.richCard) : checkText(content);
  if ("error" in shown) return shown;
  const suggestions = checkSuggestions(content.suggestions);
  if ("error" in suggestions) return suggestions;
  return { ...shown, suggestions };
}

function checkText(content: Json): { text: string } | { error: string } {
  if (typeof content.text !== "string" || content.text.length === 0) {
    return { error: "contentMessage must have text or richCard (the simulated kinds)" };
  }
  if (content.text.length > L.textChars)
    return { error: `contentMessage.text exceeds ${L.textChars} characters` };
  return { text: content.text };
}

/** A standalone card (carousels are not simulated): description ≤ 2,000, media by https URL. */
function checkCard(card: unknown): { text: string; mediaUrl?: string } | { error: string } {
  const standalone = isObject(card) ? card.standaloneCard : undefined;
  const cardContent = isObject(standalone) ? standalone.cardContent : undefined;
  if (!isObject(standalone) || !isObject(cardContent)) {
    return { error: "richCard.standaloneCard.cardContent is required (carousels are not simulated)" };
  }
  if (!["VERTICAL", "HORIZONTAL"].includes(String(standalone.cardOrientation))) {
    return { error: "richCard.standaloneCard.cardOrientation must be VERTICAL or HORIZONTAL" };
  }
  const { title, description, media } = cardContent;
  if (title !== undefined && (typeof title !== "string" || title.length > 200)) {
    return { error: "cardContent.title must be at most 200 characters" };
  }
  if (
    description !== undefined &&
    (typeof description !== "string" || description.length > L.cardDescriptionChars)
  ) {
    return { error: `cardContent.description must be at most ${L.cardDescriptionChars} characters` };
  }
  let mediaUrl: string | undefined;
  if (media !== undefined) {
    const info = isObject(media) ? media.contentInfo : undefined;
    const url = isObject(info) ? info.fileUrl : undefined;
    if (!isObject(media) || !["SHORT", "MEDIUM", "TALL"].includes(String(media.height))) {
      return { error: "cardContent.media.height must be SHORT, MEDIUM or TALL" };
    }
    if (typeof url !== "string" || !/^https:\/\/\S+$/.test(url)) {
      return { error: "cardContent.media.contentInfo.fileUrl must be a public https URL" };
    }
    mediaUrl = url;
  }
  if (title === undefined && description === undefined && mediaUrl === undefined) {
    return { error: "cardContent needs a title, a description or media" };
  }
  return { text: typeof description === "string" ? description : "", ...(mediaUrl ? { mediaUrl } : {}) };
}

function checkSuggestions(value: unknown): Suggestion[] | { error: string } {
  const suggestions: Suggestion[] = [];
  if (value === undefined) return suggestions;
  if (!Array.isArray(value) || value.length > L.suggestions) {
    return { error: `contentMessage.suggestions: at most ${L.suggestions}` };
  }
  for (const [i, s] of value.entries()) {
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
      return { error: `contentMessage.suggestions[${i}].reply.postbackData exceeds ${L.postbackDataChars}` };
    }
    suggestions.push({ text: r.text, postbackData: r.postbackData });
  }
  return suggestions;
}
