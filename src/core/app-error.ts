/**
 * The one error type of Tern. A stable `code` lets callers, the API and the run history
 * say what happened; `message` says what a person should do next; `retry` tells the
 * worker whether trying again can help.
 */
export type RetryHint = "never" | "default" | { afterMs: number };

export const ErrorCodes = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  SANDBOX_OFF: 409,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
  CHANNEL_SIGNATURE_INVALID: 401,
  CHANNEL_VERIFY_TOKEN_INVALID: 403,
  CHANNEL_PAYLOAD_INVALID: 400,
  CHANNEL_SEND_FAILED: 502,
  CHANNEL_NOT_FOUND: 404,
  FLOW_INVALID: 422,
  FLOW_NOT_FOUND: 404,
  FLOW_NOT_PUBLISHED: 409,
  RUN_NOT_FOUND: 404,
  CONNECTION_NOT_FOUND: 404,
  CONNECTION_INVALID: 422,
  OAUTH_STATE_INVALID: 400,
  OAUTH_DENIED: 400,
  TEMPLATE_ERROR: 422,
  SALESFORCE_API_DISABLED: 502,
  SALESFORCE_AUTH_FAILED: 502,
  SALESFORCE_RECONNECT_REQUIRED: 502,
  SALESFORCE_SESSION_EXPIRED: 502,
  SALESFORCE_REQUEST_FAILED: 502,
  SALESFORCE_FIELD_INVALID: 502,
  SALESFORCE_REQUIRED_FIELD_MISSING: 502,
  SALESFORCE_DUPLICATE: 502,
  SALESFORCE_LIMIT_EXCEEDED: 502,
  SALESFORCE_UNAVAILABLE: 502,
  SALESFORCE_ACCESS_DENIED: 502,
  NETWORK_ERROR: 502,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface AppErrorOptions {
  retry?: RetryHint;
  cause?: unknown;
  /** Structured, secret-free details shown in API responses and run history. */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retry: RetryHint;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retry = options.retry ?? "never";
    this.details = options.details;
  }

  get httpStatus(): number {
    return ErrorCodes[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/**
 * Wraps anything thrown into an AppError without leaking internals into the message. Anything
 * that is not already an AppError is a bug on our side (a TypeError in our code), not a flaky
 * network: retrying it only repeats it, so it is never retried. Adapters turn genuine network
 * failures into AppErrors with their own retry hint. The original error stays as `cause`, with
 * its stack, for the log.
 */
export function toAppError(value: unknown): AppError {
  if (value instanceof AppError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new AppError("INTERNAL", `Unexpected error: ${message}`, { cause: value, retry: "never" });
}
