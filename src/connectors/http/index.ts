import { z } from "zod";
import { AppError } from "../../core/app-error.js";
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
  "The API these credentials are for; steps may only call URLs under it (relative URLs resolve against it)",
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

/** `https://api.example.com/v2` → the prefix every allowed URL starts with: `https://api.example.com/v2/`. */
function basePrefix(baseUrl: string): URL {
  const base = new URL(baseUrl);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  base.search = "";
  base.hash = "";
  return base;
}

export function authorizeHttp(
  config: HttpConnectionConfig,
  url: string,
): { url: string; headers: Record<string, string> } {
  const base = basePrefix(config.baseUrl);
  let target: URL;
  try {
    target = new URL(url, base);
  } catch {
    throw new AppError("HTTP_REQUEST_INVALID", `"${url.slice(0, 200)}" is not a valid URL`);
  }
  const isUnder =
    target.origin === base.origin &&
    (target.pathname.startsWith(base.pathname) || `${target.pathname}/` === base.pathname);
  if (!isUnder) {
    throw new AppError(
      "HTTP_REQUEST_INVALID",
      `This connection sends its credentials only to URLs under ${base.href}; the step's URL is on ${target.host}${target.pathname}`,
    );
  }
  const headers: Record<string, string> =
    config.auth === "bearer"
      ? { authorization: `Bearer ${config.token}` }
      : config.auth === "basic"
        ? {
            authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`,
          }
        : { [config.header.toLowerCase()]: config.value };
  return { url: target.href, headers };
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
        /** Design-time: the origin a step's URL is fixed to may receive these credentials. */
        async "http.origin"(input, config) {
          let origin: string;
          try {
            origin = new URL(String(input.origin)).origin;
          } catch {
            origin = String(input.origin);
          }
          const base = basePrefix(config.baseUrl);
          return { allowed: origin === base.origin, baseUrl: base.href };
        },
      },
      async authorizeHttp(config, url) {
        return authorizeHttp(config, url);
      },
    };
  },
});
