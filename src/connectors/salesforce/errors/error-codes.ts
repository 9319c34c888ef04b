import { registerErrorCodes } from "../../../core/app-error.js";

/**
 * The Salesforce connector's error codes: declared here, not in the core list, and registered
 * into the core at import (core/app-error.ts). Each maps to 502 in the admin API: Salesforce,
 * not the caller, failed or refused the request. Except the two that are the connection's own
 * state, a 409 like the other routes that need a connected connection: "reconnect required"
 * (never connected, disconnected, or its grant revoked: an operator's consent resolves it) and
 * "auth failed" (Salesforce refused the connection's credentials or settings, or the app's policy
 * refused its user: fixed in the settings or in Salesforce). A 502 would say Salesforce is down.
 */
export const SalesforceErrorCodes = {
  SALESFORCE_API_DISABLED: 502,
  SALESFORCE_AUTH_FAILED: 409,
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
