import { registerErrorCodes } from "../../../core/app-error.js";

/**
 * The Salesforce connector's error codes: declared here, not in the core list, and registered
 * into the core at import (core/app-error.ts). Each maps to 502 in the admin API: Salesforce,
 * not the caller, refused. Except "reconnect required": the connection's own state (never
 * connected, disconnected, or its grant revoked) that only an operator's consent resolves, a
 * 409 like the other routes that need a connected connection.
 */
export const SalesforceErrorCodes = {
  SALESFORCE_API_DISABLED: 502,
  SALESFORCE_AUTH_FAILED: 502,
  SALESFORCE_RECONNECT_REQUIRED: 409,
  SALESFORCE_SESSION_EXPIRED: 502,
  SALESFORCE_REQUEST_FAILED: 502,
  SALESFORCE_FIELD_INVALID: 502,
  SALESFORCE_REQUIRED_FIELD_MISSING: 502,
  SALESFORCE_DUPLICATE: 502,
  SALESFORCE_LIMIT_EXCEEDED: 502,
  SALESFORCE_UNAVAILABLE: 502,
  SALESFORCE_ACCESS_DENIED: 502,
  SALESFORCE_NOT_FOUND: 502,
} as const;

export type SalesforceErrorCode = keyof typeof SalesforceErrorCodes;

declare module "../../../core/app-error.js" {
  interface RegisteredErrorCodes extends Record<SalesforceErrorCode, true> {}
}

registerErrorCodes(SalesforceErrorCodes);
