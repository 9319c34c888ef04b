import type { SalesforceErrorCode } from "./error-codes.js";

/** The shape of a row of the errors table (errors-table.ts) and helpers to write rows. */
export type RunBehaviour =
  /** Tried again with back-off (bounded); then the step fails with the sentence. */
  | "retry"
  /** The connection is paused for every run with back-off; runs wait and finish later. */
  | "pause_connection"
  /** The step fails at once: its `onError` step runs with `steps.<id>.error`, or the run fails. */
  | "fail_step"
  /** The connection is marked "reconnect required" and the step fails. */
  | "reconnect";

/** How the row is recognised in an answer. */
export type ErrorMatch =
  | { kind: "rest"; errorCode: string; message?: RegExp }
  | { kind: "token"; error: string; description?: RegExp }
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
export const grant = (description: RegExp): ErrorMatch => ({
  kind: "token",
  error: "invalid_grant",
  description,
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
