import { isAppError } from "../../../core/app-error.js";
import { tokenAnswerError } from "../errors/errors.js";

/**
 * Token errors of the grants other than refresh_token, said for the person who configured that
 * grant. auth.ts maps every token answer as a refresh's (errors.ts `tokenError`); the same answer
 * means another fix for a password, JWT or client credentials login or Connect's code exchange,
 * so it is mapped again by its grant's row of the errors table (error-rows-grants.ts), which
 * docs/salesforce-errors.md shows.
 */
type Grant = "password" | "client_credentials" | "jwt_bearer" | "authorization_code";

export function grantError(error: unknown, grant: Grant): unknown {
  if (!isAppError(error) || typeof error.details?.error !== "string") return error;
  const { httpStatus, error: code, error_description: description } = error.details;
  return tokenAnswerError(Number(httpStatus), code, String(description ?? ""), grant);
}
