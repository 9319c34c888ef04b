import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { basePrefix, joinBaseUrl, joinProblem } from "../../core/base-url-join.js";
import { baseUrlField } from "../../core/secure-url.js";
import { defineConnector } from "../connector.js";

/**
 * A generic HTTP API connection for the `http` flow step: where the API lives (`baseUrl`) and how
 * to authenticate to it — a bearer token, basic auth, or an API key in a header. The secrets are
 * sealed at rest and never returned (`secretFields`); the step names the connection and never
 * sees them: they are added to the request as it leaves, and only for URLs under `baseUrl`.
 */
const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, {
  error: "a header name is letters, digits and - (e.g. X-API-Key)",
});

// Like every base URL of Tern: credentials belong in the auth fields, sealed, never in the URL
// (stored and returned as it is).
const BaseUrl = baseUrlField("baseUrl").describe(
  "The API these credentials are for; steps may only call URLs under it (a step's /orders/42 is <baseUrl>/orders/42)",
);

export const HttpConnectionConfig = z.discriminatedUnion("auth", [
  z.object({ auth: z.literal("bearer"), baseUrl: BaseUrl, token: z.string().min(1).max(8192) }),
  z.object({
    auth: z.literal("basic"),
    baseUrl: BaseUrl,
    username: z.string().min(1).max(1024),
    password: z.string().max(1024),
  }),
  z.object({
    auth: z.literal("header"),
    baseUrl: BaseUrl,
    header: HeaderName.describe("Header that carries the key, e.g. X-API-Key"),
    value: z.string().min(1).max(8192),
  }),
]);
export type HttpConnectionConfig = z.infer<typeof HttpConnectionConfig>;

export function authorizeHttp(
  config: HttpConnectionConfig,
  url: string,
): { url: string; headers: Record<string, string> } {
  // "/orders/42" is a path under baseUrl; nothing outside it gets the credentials (base-url-join.ts).
  const joined = joinBaseUrl(config.baseUrl, url);
  if (!joined.ok) throw new AppError("HTTP_REQUEST_INVALID", joinProblem(config.baseUrl, url, joined));
  const headers: Record<string, string> =
    config.auth === "bearer"
      ? { authorization: `Bearer ${config.token}` }
      : config.auth === "basic"
        ? {
            authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`,
          }
        : { [config.header.toLowerCase()]: config.value };
  return { url: joined.url.href, headers };
}

export const httpConnector = defineConnector({
  type: "http",
  title: "HTTP API",
  config: HttpConnectionConfig,
  secretFields: ["token", "password", "value"],
  steps: [],
  create(connectionId) {
    return {
      // Nothing to call without knowing an endpoint of the API: report what is configured.
      async test(config) {
        return { baseUrl: config.baseUrl, auth: config.auth, connectionId };
      },
      actions: {},
      facts: {
        /**
         * Design-time: may a step's URL fixed to this origin (or, given `url`, this whole URL
         * written out) receive these credentials? `problem` says why not.
         */
        async "http.origin"(input, config) {
          const base = basePrefix(config.baseUrl);
          if (typeof input.url === "string") {
            const joined = joinBaseUrl(config.baseUrl, input.url);
            return joined.ok
              ? { allowed: true, baseUrl: base.href }
              : {
                  allowed: false,
                  baseUrl: base.href,
                  problem: joinProblem(config.baseUrl, input.url, joined),
                };
          }
          let origin: string;
          try {
            origin = new URL(String(input.origin)).origin;
          } catch {
            origin = String(input.origin);
          }
          return { allowed: origin === base.origin, baseUrl: base.href };
        },
      },
      async authorizeHttp(config, url) {
        return authorizeHttp(config, url);
      },
    };
  },
});
