import { AppError, isAppError } from "../../../core/app-error.js";
import { fetchFailureReason } from "../../../core/fetch.js";
import { START_AGAIN } from "../errors/error-row.js";
import { scrub, tokenAnswerError } from "../errors/errors.js";

/**
 * Token errors of the grants other than refresh_token, said for the person who configured that
 * grant. auth.ts maps every token answer as a refresh's (errors.ts `tokenError`); the same answer
 * means another fix for a password, JWT or client credentials login or Connect's code exchange,
 * so it is mapped again by its grant's row of the errors table (error-rows-grants.ts), which
 * docs/salesforce-errors.md shows.
 */
type Grant = "password" | "client_credentials" | "jwt_bearer" | "authorization_code";

export function grantError(error: unknown, grant: Grant): unknown {
  if (!isAppError(error)) return error;
  if (typeof error.details?.error === "string") {
    const { httpStatus, error: code, error_description: description } = error.details;
    return tokenAnswerError(Number(httpStatus), code, String(description ?? ""), grant);
  }
  return grant === "authorization_code" ? codeExchangeFailure(error) : error;
}

/**
 * Salesforce down or out of reach while Connect trades the code. The run sentences ("will
 * retry", "a create whose answer was lost is looked up") are not true here: nothing retries, and
 * the sign-in's state was used up when the callback took it, so the person starts again.
 */
function codeExchangeFailure(error: AppError): AppError {
  let what: string;
  if (error.code === "NETWORK_ERROR")
    what = `Couldn't reach Salesforce's token endpoint (${scrub(fetchFailureReason(error.cause))}): check the connection's login URL and the network.`;
  else if (error.code === "SALESFORCE_UNAVAILABLE")
    what = `Salesforce's token endpoint answered with a server error (HTTP ${Number(error.details?.httpStatus)}).`;
  else return error;
  return new AppError(
    error.code,
    `${what} The sign-in was not completed and nothing was changed; this sign-in link is used up. ${START_AGAIN}`,
    {
      cause: error,
      retry: "never",
      details: { ...error.details, run: "sign_in_page" },
      flowFields: error.flowFields,
    },
  );
}
