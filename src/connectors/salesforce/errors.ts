import { AppError, type ErrorCode, type RetryHint } from "../../core/app-error.js";
import { fetchFailureReason, requestOutcome } from "../../core/fetch.js";

/**
 * Salesforce answers → one AppError that says what to do next. Wire shapes: token errors are
 * `{error, error_description}` (reference/salesforce.md §1.5); REST errors are an array of
 * `{errorCode, message, fields?}` (§3, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
 * Messages and details never contain tokens or secrets: bodies are scrubbed of token-shaped strings.
 */
export interface SalesforceApiError {
  errorCode: string;
  message: string;
  fields?: string[];
  duplicateResult?: {
    allowSave?: boolean;
    matchResults?: Array<{ matchRecords?: Array<{ record?: { Id?: string } }> }>;
  };
}

const ACCESS_TOKEN = /00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+/g;

/** Removes access tokens and any of the given secrets from text shown to people. */
export function scrub(text: string, secrets: ReadonlyArray<string> = []): string {
  let out = text.replace(ACCESS_TOKEN, "[redacted token]");
  for (const secret of secrets) if (secret.length >= 6) out = out.replaceAll(secret, "[redacted]");
  return out;
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

/** Error returned by a host that isn't a Salesforce API (HTML login page, proxy, Lightning UI). */
function wrongHost(status: number, where: string): AppError {
  return new AppError(
    "SALESFORCE_REQUEST_FAILED",
    `Salesforce ${where} answered HTTP ${status} with a web page instead of JSON. Check the login URL: use https://login.salesforce.com, https://test.salesforce.com for sandboxes, or the org's My Domain (https://<domain>.my.salesforce.com) — not a Lightning or Setup page address.`,
    { details: { httpStatus: status }, retry: status >= 500 ? "default" : "never" },
  );
}

/** Maps a failed `POST /services/oauth2/token`. `secrets` are removed from the description. */
export function tokenError(
  status: number,
  contentType: string | null,
  text: string,
  secrets: string[],
): AppError {
  const body = parseJson(text) as { error?: unknown; error_description?: unknown } | undefined;
  if (!body || typeof body.error !== "string") {
    if (looksLikeHtml(contentType, text)) return wrongHost(status, "login host");
    return new AppError(
      status >= 500 ? "SALESFORCE_UNAVAILABLE" : "SALESFORCE_AUTH_FAILED",
      `Salesforce token endpoint answered HTTP ${status} without an OAuth error.${status >= 500 ? " Will retry." : ""}`,
      { details: { httpStatus: status }, retry: status >= 500 ? "default" : "never" },
    );
  }
  const error = body.error;
  const description = scrub(String(body.error_description ?? ""), secrets);
  const details = { httpStatus: status, error, error_description: description };
  if (error === "invalid_grant" && description === "token request is already being processed") {
    return new AppError(
      "SALESFORCE_AUTH_FAILED",
      "Salesforce is already refreshing this connection's token (another worker or app uses the same refresh token). Retrying shortly.",
      { details, retry: { afterMs: 1_000 } },
    );
  }
  if (error === "invalid_grant") {
    return new AppError(
      "SALESFORCE_RECONNECT_REQUIRED",
      `Salesforce refused the refresh token (${description || error}). Reconnect the connection to get a new refresh token; if it keeps expiring, check the app's refresh token policy ("Refresh token is valid until revoked") and that the integration user is active.`,
      { details },
    );
  }
  if (error === "invalid_client_id" || error === "invalid_client") {
    return new AppError(
      "SALESFORCE_AUTH_FAILED",
      `Salesforce rejected the app credentials (${description || error}). Check the consumer key and consumer secret of the Connected App / External Client App, and that the login URL points at the org where the app lives.`,
      { details },
    );
  }
  return new AppError(
    "SALESFORCE_AUTH_FAILED",
    `Salesforce token request failed: ${error}${description ? ` (${description})` : ""}.`,
    {
      details,
    },
  );
}

export function isConcurrentRefresh(error: unknown): boolean {
  return (
    error instanceof AppError &&
    error.details?.error_description === "token request is already being processed"
  );
}

interface Mapping {
  code: ErrorCode;
  retry?: RetryHint;
  say: (e: SalesforceApiError, object: string | undefined) => string;
}

const fieldList = (e: SalesforceApiError) => (e.fields?.length ? e.fields.join(", ") : "");

const MAPPINGS: Record<string, Mapping> = {
  API_DISABLED_FOR_ORG: {
    code: "SALESFORCE_API_DISABLED",
    say: () =>
      "The Salesforce REST API is disabled for this connection's user. Tick \"API Enabled\" on the integration user's profile (Setup → Profiles → <profile> → Administrative Permissions) or in a permission set; if the org's edition has no API access (e.g. Professional Edition without the API add-on), ask Salesforce to enable it.",
  },
  REQUIRED_FIELD_MISSING: {
    code: "SALESFORCE_REQUIRED_FIELD_MISSING",
    say: (e, o) =>
      `Salesforce requires ${fieldList(e) || "more fields"} on ${o ?? "this object"}: map a non-empty value to ${e.fields && e.fields.length > 1 ? "each of them" : "it"} in the step's fields. (${e.message})`,
  },
  INVALID_FIELD: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e, o) =>
      `Salesforce rejected a field on ${o ?? "the object"}: ${e.message.trim()} Check the field's API name (custom fields end in __c) and that the integration user can see it.`,
  },
  INVALID_FIELD_FOR_INSERT_UPDATE: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e) => `${e.message} Remove read-only fields from the mapping or grant edit access to them.`,
  },
  STRING_TOO_LONG: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e) =>
      `A value is longer than its Salesforce field allows (${fieldList(e)}): shorten it in the flow (e.g. truncate the template). ${e.message}`,
  },
  INVALID_EMAIL_ADDRESS: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e) =>
      `Salesforce rejected an email address (${fieldList(e)}): validate it in the flow before creating the record. ${e.message}`,
  },
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e) =>
      `A value isn't allowed by a restricted picklist (${fieldList(e)}): use one of the picklist values shown in Salesforce. ${e.message}`,
  },
  FIELD_CUSTOM_VALIDATION_EXCEPTION: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e) => `A Salesforce validation rule rejected the record: ${e.message}`,
  },
  JSON_PARSER_ERROR: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e) =>
      `Salesforce couldn't read a field value (wrong type, e.g. text for a number or checkbox): ${e.message}`,
  },
  MALFORMED_QUERY: {
    code: "SALESFORCE_REQUEST_FAILED",
    say: (e) => `Salesforce rejected the query: ${e.message.trim()}`,
  },
  INVALID_TYPE: {
    code: "SALESFORCE_FIELD_INVALID",
    say: (e) => `Salesforce doesn't know this object: ${e.message.trim()}`,
  },
  DUPLICATES_DETECTED: {
    code: "SALESFORCE_DUPLICATE",
    say: (e) =>
      `A Salesforce duplicate rule blocked the record ("${e.message}"). Update the existing record instead, or ask the admin to change the duplicate rule to allow saving with an alert.`,
  },
  REQUEST_LIMIT_EXCEEDED: {
    code: "SALESFORCE_LIMIT_EXCEEDED",
    say: (e) =>
      `The org's Salesforce API limit is exhausted (${e.message}). Requests resume when the rolling 24-hour allowance frees up, or raise the limit with Salesforce.`,
  },
  INSUFFICIENT_ACCESS: {
    code: "SALESFORCE_ACCESS_DENIED",
    say: (e, o) =>
      `The integration user lacks permission for ${o ?? "this operation"}: grant Create/Read on the object and field access in its profile or a permission set. (${e.message})`,
  },
  UNABLE_TO_LOCK_ROW: {
    code: "SALESFORCE_UNAVAILABLE",
    retry: "default",
    say: (e) =>
      `Salesforce couldn't lock a related record (another process is updating it); retrying. (${e.message})`,
  },
  SERVER_UNAVAILABLE: {
    code: "SALESFORCE_UNAVAILABLE",
    retry: "default",
    say: (e) => `Salesforce is temporarily unavailable (maintenance or overload); retrying. (${e.message})`,
  },
  INVALID_SESSION_ID: {
    code: "SALESFORCE_SESSION_EXPIRED",
    say: (e) =>
      `Salesforce rejected a freshly refreshed session (${e.message}). Make sure the app's OAuth scopes include "api" and "refresh_token", then reconnect.`,
  },
  NOT_FOUND: {
    code: "SALESFORCE_REQUEST_FAILED",
    say: (_e, o) =>
      `Salesforce says the resource doesn't exist${o ? `: check that the object "${o}" exists and the integration user can access it` : ""}.`,
  },
};
MAPPINGS.INSUFFICIENT_ACCESS_OR_READONLY = MAPPINGS.INSUFFICIENT_ACCESS as Mapping;
MAPPINGS.INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY = MAPPINGS.INSUFFICIENT_ACCESS as Mapping;

function limitRetry(e: SalesforceApiError): RetryHint {
  // Concurrent long-running requests clear in seconds; the daily allocation only over hours.
  return /ConcurrentPerOrgLongTxn/i.test(e.message) ? { afterMs: 30_000 } : { afterMs: 3_600_000 };
}

function duplicateIds(e: SalesforceApiError): string[] {
  return (e.duplicateResult?.matchResults ?? []).flatMap((m) =>
    (m.matchRecords ?? []).map((r) => r.record?.Id).filter((id): id is string => typeof id === "string"),
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
  const errors = (Array.isArray(body) ? body : []).filter(
    (e): e is SalesforceApiError => typeof e === "object" && e !== null && typeof e.errorCode === "string",
  );
  const first = errors[0];
  if (!first) {
    if (looksLikeHtml(contentType, text)) return wrongHost(status, "instance");
    if (status === 410) {
      return new AppError(
        "SALESFORCE_REQUEST_FAILED",
        "This Salesforce API version is retired: set apiVersion to 62.0 or newer.",
        {
          details: { httpStatus: status },
        },
      );
    }
    const isTransient = status >= 500;
    return new AppError(
      isTransient ? "SALESFORCE_UNAVAILABLE" : "SALESFORCE_REQUEST_FAILED",
      `Salesforce answered HTTP ${status}${isTransient ? "; retrying" : ""}.`,
      { details: { httpStatus: status }, retry: isTransient ? "default" : "never" },
    );
  }
  const mapping = MAPPINGS[first.errorCode];
  const message = scrub(first.message);
  const details: Record<string, unknown> = {
    httpStatus: status,
    errorCode: first.errorCode,
    salesforceMessage: message,
    fields: first.fields ?? [],
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
  if (first.errorCode === "DUPLICATES_DETECTED") {
    details.duplicateIds = duplicateIds(first);
    details.allowSave = first.duplicateResult?.allowSave ?? false;
  }
  if (!mapping) {
    const isTransient = status >= 500;
    return new AppError(
      isTransient ? "SALESFORCE_UNAVAILABLE" : "SALESFORCE_REQUEST_FAILED",
      `Salesforce error ${first.errorCode}: ${message}`,
      { details, retry: isTransient ? "default" : "never" },
    );
  }
  const retry = first.errorCode === "REQUEST_LIMIT_EXCEEDED" ? limitRetry(first) : (mapping.retry ?? "never");
  return new AppError(mapping.code, mapping.say({ ...first, message }, object), { details, retry });
}

/**
 * fetch rejected: DNS, refused connection, TLS, reset or timeout. A write whose request may have
 * reached Salesforce (timeout, reset after sending) has an unknown outcome: the caller reconciles
 * before retrying. One that certainly never left (refused, DNS, TLS) is simply retried.
 */
export function networkError(cause: unknown, where: string, isWrite: boolean): AppError {
  const isOutcomeUnknown = isWrite && requestOutcome(cause) === "unknown";
  return new AppError(
    "NETWORK_ERROR",
    `Couldn't reach Salesforce at ${where} (${scrub(fetchFailureReason(cause))}). Check the URL and the network; retrying.`,
    {
      cause,
      retry: "default",
      details: { host: where, ...(isOutcomeUnknown ? { outcome: "unknown" } : {}) },
    },
  );
}
