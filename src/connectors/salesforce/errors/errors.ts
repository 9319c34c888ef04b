import { AppError, type RetryHint } from "../../../core/app-error.js";
import { fetchFailureReason, requestOutcome } from "../../../core/fetch.js";
import { redactSecrets } from "../../../core/secret-forms.js";
import "./error-codes.js";
import { type ErrorRow, kindRow, restRow, statusRow, type TokenGrant, tokenRow } from "./errors-table.js";

/**
 * Salesforce answers → one AppError that says what to do next. Wire shapes: token errors are
 * `{error, error_description}` (reference/salesforce.md §1.5); REST errors are an array of
 * `{errorCode, message, fields?}` (§3, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
 * What each error means for the run and the sentence shown come from errors-table.ts.
 * Messages and details never contain tokens or secrets: bodies are scrubbed of token-shaped strings.
 */
export interface SalesforceApiError {
  errorCode: string;
  message: string;
  fields?: string[];
  duplicateResult?: {
    allowSave?: boolean;
    matchResults?: Array<{
      /** The object the rule matched against: a Lead rule may match Contacts as well. */
      entityType?: string;
      matchRecords?: Array<{ record?: { Id?: string; attributes?: { type?: string } } }>;
    }>;
  };
}

const ACCESS_TOKEN = /00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+/g;

/** Removes access tokens and any of the given secrets from text shown to people. */
export function scrub(text: string, secrets: ReadonlyArray<string> = []): string {
  const out = text.replace(ACCESS_TOKEN, "[redacted token]");
  return redactSecrets(out, secrets, 6);
}

const looksLikeHtml = (contentType: string | null, text: string) =>
  (contentType ?? "").includes("text/html") || /^\s*<(!doctype|html|\?xml)/i.test(text);

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What the table's run behaviour means for the worker's retry hint. */
export function retryOf(row: ErrorRow, message = ""): RetryHint {
  if (row.run === "pause_connection")
    // Concurrent long-running requests clear in seconds; the daily allowance only over hours.
    return { afterMs: /ConcurrentPerOrgLongTxn/i.test(message) ? 10_000 : 300_000 };
  return row.isTransient ? "default" : "never";
}

/** Builds the AppError of a table row; `run` in details says what the run does (API, history). */
function fromRow(
  row: ErrorRow,
  say: Parameters<ErrorRow["say"]>[0],
  details: Record<string, unknown>,
  flowFields: Record<string, unknown>,
  retry: RetryHint = retryOf(row, say.message),
): AppError {
  if (row.code === "NETWORK_ERROR") throw new Error("network rows are built by networkError");
  return new AppError(row.code, row.say(say), { details: { ...details, run: row.run }, retry, flowFields });
}

/** Error returned by a host that isn't a Salesforce API (HTML login page, proxy, Lightning UI). */
function wrongHost(status: number): AppError {
  const row = kindRow("html");
  return fromRow(
    row,
    { message: "", fields: [] },
    { httpStatus: status },
    {},
    status >= 500 ? "default" : "never",
  );
}

/**
 * Maps a failed `POST /services/oauth2/token`. `secrets` are removed from the description. The
 * answer is read as one to `grant`'s request: auth.ts reads every one as a refresh's, and
 * grant-errors.ts reads the other grants' again with `tokenAnswerError`.
 */
export function tokenError(
  status: number,
  contentType: string | null,
  text: string,
  secrets: string[],
  grant: TokenGrant = "refresh_token",
): AppError {
  const body = parseJson(text) as { error?: unknown; error_description?: unknown } | undefined;
  if (!body || typeof body.error !== "string") {
    // As for data calls: a 5xx page (maintenance, a gateway) is Salesforce down, not a wrong host.
    if (looksLikeHtml(contentType, text) && status < 500) return wrongHost(status);
    return new AppError(
      status >= 500 ? "SALESFORCE_UNAVAILABLE" : "SALESFORCE_AUTH_FAILED",
      // Said of a connection test too, which retries nothing: who retries is named.
      `Salesforce token endpoint answered HTTP ${status} without an OAuth error.${status >= 500 ? " Salesforce is unavailable for now: runs retry on their own; test the connection again later." : ""}`,
      { details: { httpStatus: status }, retry: status >= 500 ? "default" : "never" },
    );
  }
  const error = scrub(body.error, secrets).slice(0, 100);
  const description = scrub(String(body.error_description ?? ""), secrets).slice(0, 500);
  return tokenAnswerError(status, error, description, grant);
}

/** An OAuth error the token endpoint answered to `grant`'s request (already scrubbed), by its table row. */
export function tokenAnswerError(
  status: number,
  error: string,
  description: string,
  grant: TokenGrant,
): AppError {
  const details = { httpStatus: status, error, error_description: description };
  const row = tokenRow(error, description, grant);
  const flowFields = { salesforceCode: error, salesforceMessage: description };
  if (!row) {
    return new AppError(
      "SALESFORCE_AUTH_FAILED",
      `Salesforce token request failed: ${error}${description ? ` (${description})` : ""}.`,
      { details, flowFields },
    );
  }
  // The concurrent-refresh row is retried by the session after a short pause.
  const retry = row.isTransient ? { afterMs: 1_000 } : "never";
  return fromRow(row, { message: description, fields: [] }, details, flowFields, retry);
}

export function isConcurrentRefresh(error: unknown): boolean {
  return (
    error instanceof AppError &&
    error.details?.error_description === "token request is already being processed"
  );
}

function duplicateIds(e: SalesforceApiError): string[] {
  return duplicateMatches(e).map((m) => m.id);
}

/**
 * Each matching record with its object: Salesforce's standard Lead duplicate rule matches Leads
 * and Contacts ("Match leads that duplicate other leads and contacts that duplicate leads").
 */
function duplicateMatches(e: SalesforceApiError): Array<{ id: string; object: string | null }> {
  return (e.duplicateResult?.matchResults ?? []).flatMap((m) =>
    (m.matchRecords ?? []).flatMap((r) =>
      typeof r.record?.Id === "string"
        ? [{ id: r.record.Id, object: m.entityType ?? r.record.attributes?.type ?? null }]
        : [],
    ),
  );
}

/** Maps a failed REST data call. `object` names the sObject involved, for the message. */
export function dataError(
  status: number,
  contentType: string | null,
  text: string,
  object?: string,
): AppError {
  const body = parseJson(text);
  // Salesforce answers an array; the upsert page's "incorrect external ID field" example shows
  // one bare object (https://developer.salesforce.com/docs/atlas.ja-jp.api_rest.meta/api_rest/dome_upsert.htm): read both.
  const errors = (Array.isArray(body) ? body : [body]).filter(
    (e): e is SalesforceApiError => typeof e === "object" && e !== null && typeof e.errorCode === "string",
  );
  const first = errors[0];
  if (!first) {
    // A gateway's 5xx page (502, 504) is a server error, not a wrong login URL.
    if (looksLikeHtml(contentType, text) && status < 500) return wrongHost(status);
    const row = statusRow(status);
    if (row) return fromRow(row, { message: "", fields: [], object }, { httpStatus: status }, {});
    return new AppError("SALESFORCE_REQUEST_FAILED", `Salesforce answered HTTP ${status}.`, {
      details: { httpStatus: status },
    });
  }
  const message = scrub(first.message);
  const fields = Array.isArray(first.fields) ? first.fields.map(String) : [];
  const details: Record<string, unknown> = {
    httpStatus: status,
    errorCode: first.errorCode,
    salesforceMessage: message,
    fields,
    ...(object ? { object } : {}),
    ...(errors.length > 1
      ? {
          errors: errors.map((e) => ({
            errorCode: e.errorCode,
            message: scrub(e.message),
            fields: e.fields ?? [],
          })),
        }
      : {}),
  };
  // What a flow can branch on (steps.<id>.error): the Salesforce code, its fields, matches.
  const flowFields: Record<string, unknown> = { salesforceCode: first.errorCode, fields };
  if (first.errorCode === "DUPLICATES_DETECTED") {
    details.duplicateIds = duplicateIds(first);
    details.duplicateMatches = duplicateMatches(first);
    details.allowSave = first.duplicateResult?.allowSave ?? false;
    flowFields.duplicateIds = details.duplicateIds;
  }
  const row = restRow(first.errorCode, message) ?? statusRow(status);
  if (!row) {
    return new AppError("SALESFORCE_REQUEST_FAILED", `Salesforce error ${first.errorCode}: ${message}`, {
      details: { ...details, run: "fail_step" },
      flowFields,
    });
  }
  return fromRow(row, { message, fields, object }, details, flowFields);
}

/**
 * A write answered 5xx may have been saved before the failure (a gateway timeout in front of a
 * commit, an error after it): its outcome is unknown, like a lost answer's, so the caller looks
 * the record up before trying again instead of creating it twice. The retry hint is kept.
 */
export function unknownOutcome(error: AppError): AppError {
  return new AppError(error.code, error.message, {
    cause: error.cause,
    retry: error.retry,
    details: { ...error.details, outcome: "unknown" },
    flowFields: error.flowFields,
  });
}

/**
 * fetch rejected: DNS, refused connection, TLS, reset or timeout. A write whose request may have
 * reached Salesforce (timeout, reset after sending) has an unknown outcome: the caller reconciles
 * before retrying. One that certainly never left (refused, DNS, TLS) is simply retried.
 */
export function networkError(cause: unknown, where: string, isWrite: boolean): AppError {
  const isOutcomeUnknown = isWrite && requestOutcome(cause) === "unknown";
  const row = kindRow("network");
  return new AppError(
    "NETWORK_ERROR",
    `${row.say({ message: "", fields: [] })} (${where}: ${scrub(fetchFailureReason(cause))})`,
    {
      cause,
      retry: "default",
      details: { host: where, run: row.run, ...(isOutcomeUnknown ? { outcome: "unknown" } : {}) },
      flowFields: { salesforceCode: null },
    },
  );
}
