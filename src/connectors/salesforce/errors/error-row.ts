import type { SalesforceErrorCode } from "./error-codes.js";

/** The shape of a row of the errors table (errors-table.ts) and helpers to write rows. */
export type RunBehaviour =
  /** Tried again with back-off (bounded); then the step fails with the sentence. */
  | "retry"
  /** The connection is paused for every run with back-off; runs wait and finish later. */
  | "pause_connection"
  /** The step fails at once: its `onError` step runs with `steps.<id>.error`, or the run fails. */
  | "fail_step"
  /** The connection is marked "reconnect required" and the step fails: a browser consent fixes it. */
  | "reconnect"
  /**
   * The connection is marked "sign-in refused" (`auth_failed`) and the step fails: its settings or
   * the app's policy in Salesforce are wrong. Nothing to reconnect: the next login that works
   * clears the mark, whether the fix was made in Tern or only in Salesforce.
   */
  | "auth_failed"
  /**
   * Met by no run: the OAuth callback's page says it (400) and nothing changes; the person starts
   * the connection again.
   */
  | "sign_in_page";

/**
 * The token request a token answer replies to: a web server connection's runs refresh
 * (`refresh_token`) and its Connect trades a code (`authorization_code`); the other grants log in
 * again each session. The same answer means different fixes per grant.
 */
export type TokenGrant =
  | "refresh_token"
  | "authorization_code"
  | "password"
  | "client_credentials"
  | "jwt_bearer";

/** How the row is recognised in an answer. */
export type ErrorMatch =
  | { kind: "rest"; errorCode: string; message?: RegExp }
  /** `grants`: the token requests the row is about; absent, every one. */
  | { kind: "token"; error: string; description?: RegExp; grants?: ReadonlyArray<TokenGrant> }
  | { kind: "status"; status: number | "5xx" }
  | { kind: "html" }
  | { kind: "network" };

export interface SayContext {
  /** Salesforce's own message, scrubbed of tokens. */
  message: string;
  fields: string[];
  object?: string;
}

export interface ErrorRow {
  match: ErrorMatch;
  code: SalesforceErrorCode | "NETWORK_ERROR";
  isTransient: boolean;
  run: RunBehaviour;
  /**
   * The sentence a person sees. A `retry` row's is also what the step fails with once its
   * attempts ran out, and what a connection's Test shows: what happened, not "retrying".
   */
  say(e: SayContext): string;
  /** A wire answer as the reference documents it: the table-driven test replays it through the emulator. */
  example: { status: number; body: unknown; contentType?: string; on: "token" | "data" };
}

export const list = (fields: string[]) => fields.join(", ");
export const on = (object: string | undefined) => object ?? "the object";
export const rest = (errorCode: string, message?: RegExp): ErrorMatch => ({
  kind: "rest",
  errorCode,
  message,
});
export const grant = (description: RegExp | undefined, grants: ReadonlyArray<TokenGrant>): ErrorMatch => ({
  kind: "token",
  error: "invalid_grant",
  ...(description ? { description } : {}),
  grants,
});
export const restExample = (status: number, errorCode: string, message: string, fields?: string[]) => ({
  status,
  on: "data" as const,
  body: [{ message, errorCode, ...(fields ? { fields } : {}) }],
});
export const tokenExample = (error: string, description: string) => ({
  status: 400,
  on: "token" as const,
  body: { error, error_description: description },
});
export const RECONNECT = "Reconnect the connection (Connections → Reconnect, or `tern salesforce connect`).";
/** The grants without a browser consent: fixed in their settings or in Salesforce, then tested. */
export const AFTER_FIX =
  "Nothing to reconnect: once fixed, in the connection's settings or in Salesforce, Test the connection (Connections → Test, or `tern salesforce test <name>`); the next login that works clears the mark.";
export const START_AGAIN =
  "Start the connection again (Connections → Connect, or `tern salesforce connect`).";
