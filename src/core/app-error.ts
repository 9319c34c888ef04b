/**
 * The one error type of Tern. A stable `code` lets callers, the API and the run history
 * say what happened; `message` says what a person should do next; `retry` tells the
 * worker whether trying again can help.
 */
export type RetryHint =
  | "never"
  | "default"
  | { afterMs: number }
  /**
   * The far side is paused until this time (ms since epoch), e.g. an API allowance that ran
   * out. Not a failure to count: the run waits at its step and tries again then, however long
   * that takes (flows/README.md, "Paused connections").
   */
  | { pausedUntil: number };

/** The core's own codes with their HTTP status. Integrations register theirs (below). */
export const CoreErrorCodes = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  UNAUTHORIZED: 401,
  /** A signed-in browser's unsafe request without the CSRF header, or from another origin. */
  CSRF_FAILED: 403,
  /** Too many failed sign-ins or wrong bearer tokens from one address; Retry-After says when to try again. */
  TOO_MANY_ATTEMPTS: 429,
  NOT_FOUND: 404,
  /** The path exists under other methods; `Allow` lists them. */
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  /** An If-Match named another version than the current one: someone saved since; nothing changed. */
  PRECONDITION_FAILED: 412,
  SANDBOX_OFF: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** Refused before any route (server/framework-errors.ts): a path segment, headers, a slow client. */
  URI_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  INTERNAL: 500,
  CHANNEL_SIGNATURE_INVALID: 401,
  CHANNEL_VERIFY_TOKEN_INVALID: 403,
  CHANNEL_PAYLOAD_INVALID: 400,
  CHANNEL_SEND_FAILED: 502,
  CHANNEL_NOT_FOUND: 404,
  FLOW_INVALID: 422,
  FLOW_NOT_FOUND: 404,
  FLOW_VERSION_NOT_FOUND: 404,
  FLOW_NOT_PUBLISHED: 409,
  RUN_NOT_FOUND: 404,
  CONNECTION_NOT_FOUND: 404,
  CONNECTION_INVALID: 422,
  OAUTH_STATE_INVALID: 400,
  OAUTH_DENIED: 400,
  OAUTH_ACCOUNT_CHANGED: 409,
  TEMPLATE_ERROR: 422,
  NETWORK_ERROR: 502,
  CONTACT_OPTED_OUT: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The database is down, restarting or full: nothing was changed; try again (Retry-After). */
  UNAVAILABLE: 503,
} as const;

/**
 * Codes contributed by integrations. A connector declares its codes by augmenting this
 * interface (`declare module ".../core/app-error.js" { interface RegisteredErrorCodes { X: true } }`)
 * and registers their HTTP statuses at import with `registerErrorCodes`, so the core list holds
 * only core codes and `AppError.code` stays a closed union.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in integrations
export interface RegisteredErrorCodes {}

export type CoreErrorCode = keyof typeof CoreErrorCodes;
export type ErrorCode = CoreErrorCode | (keyof RegisteredErrorCodes & string);

const registered = new Map<string, number>();

/** Registers an integration's codes and their HTTP status; a core code cannot be redefined. */
export function registerErrorCodes(codes: Partial<Record<ErrorCode, number>>): void {
  for (const [code, status] of Object.entries(codes)) {
    if (Object.hasOwn(CoreErrorCodes, code)) throw new Error(`error code ${code} belongs to the core`);
    if (typeof status === "number") registered.set(code, status);
  }
}

/** HTTP status of a code: the core's, a registered one, or 502 (an integration's far side failed). */
export function httpStatusOf(code: ErrorCode): number {
  if (Object.hasOwn(CoreErrorCodes, code)) return CoreErrorCodes[code as CoreErrorCode];
  return registered.get(code) ?? 502;
}

/** Every known code with its status: the core's and those registered so far (docs, tests). */
export function knownErrorCodes(): Record<string, number> {
  return { ...CoreErrorCodes, ...Object.fromEntries(registered) };
}

export interface AppErrorOptions {
  retry?: RetryHint;
  cause?: unknown;
  /** Structured, secret-free details shown in API responses and run history. */
  details?: Record<string, unknown>;
  /**
   * Secret-free fields a flow can branch on: a failed step's output is
   * `{ error: { code, message, ...flowFields } }` (`steps.<id>.error`).
   */
  flowFields?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retry: RetryHint;
  readonly details: Record<string, unknown> | undefined;
  readonly flowFields: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retry = options.retry ?? "never";
    this.details = options.details;
    this.flowFields = options.flowFields;
  }

  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/** The pause a retry hint asks for, if it is one (see RetryHint). */
export function pausedUntil(hint: RetryHint): number | null {
  return typeof hint === "object" && "pausedUntil" in hint ? hint.pausedUntil : null;
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
