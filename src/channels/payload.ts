import type { z } from "zod";
import { AppError } from "../core/app-error.js";
import type { WebhookRequest } from "./channel.js";

/** What every adapter's `parse` shares: the refusal of a whole body, and reading it as JSON. */
export function payloadInvalid(message: string, cause?: unknown): AppError {
  return new AppError("CHANNEL_PAYLOAD_INVALID", message, { cause });
}

/** Zod's messages name the path and the expected type, never the value (no message text). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/** The body as JSON, or CHANNEL_PAYLOAD_INVALID. */
export function jsonBody(req: WebhookRequest): unknown {
  try {
    return JSON.parse(req.rawBody.toString("utf8"));
  } catch (error) {
    throw payloadInvalid("Webhook body is not valid JSON.", error);
  }
}
