import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { redactUrl } from "../core/redact-url.js";

/**
 * The CLI's admin API client. Server from TERN_URL (default http://localhost:3000); token from
 * TERN_ADMIN_TOKEN or the token file in TERN_DATA_DIR.
 */
export function createApiClient(env: NodeJS.ProcessEnv = process.env): ApiClient {
  // A variable set to nothing counts as unset, as for the server (README, "Configuration").
  const set = (name: string) => env[name]?.trim() || undefined;
  const base = set("TERN_URL") ?? `http://localhost:${set("TERN_PORT") ?? 3000}`;
  const tokenFile = path.join(set("TERN_DATA_DIR") ?? "./.tern", "admin-token");
  const token =
    set("TERN_ADMIN_TOKEN") ?? (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : undefined);
  if (!token)
    throw new Error(`No admin token: set TERN_ADMIN_TOKEN or start the server once to create ${tokenFile}`);
  return createAdminClient(base, token);
}

export interface ApiClient {
  /** Tern's origin, e.g. http://localhost:3000. */
  readonly baseUrl: string;
  request(
    method: string,
    apiPath: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<unknown>;
}

/** Admin API client for a server at `baseUrl`; errors carry the API's code and message. */
export function createAdminClient(baseUrl: string, token: string): ApiClient {
  const base = baseUrl.replace(/\/$/, "");
  // What messages show of the address: never a password someone put in it.
  const shown = redactUrl(base);
  return {
    baseUrl: base,
    async request(
      method: string,
      apiPath: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<unknown> {
      let response: Response;
      try {
        response = await fetch(`${base}/api/v1${apiPath}`, {
          method,
          headers: {
            ...headers,
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        // fetch's own message may repeat the URL, credentials included.
        const message = (error as Error).message;
        const reason = base ? message.split(base).join(shown) : message;
        throw new Error(`Cannot reach Tern at ${shown}: ${reason}. Is \`tern serve\` running?`);
      }
      const text = await response.text();
      let json: { error?: { code?: string; message?: string; details?: { errors?: unknown } } } | null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        throw new Error(
          `${shown} answered ${method} ${apiPath} with ${response.status} and a body that is not JSON: ` +
            "is TERN_URL the address of Tern?",
        );
      }
      if (!response.ok) {
        const err = json?.error ?? {};
        const errors: Array<{ path: string; message: string }> = Array.isArray(err.details?.errors)
          ? err.details.errors
          : [];
        let message: string = err.message ?? text;
        // The API's message ends with the same problems joined by "; ": listed once, one a line.
        const joined = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
        if (errors.length > 0 && message.endsWith(joined))
          message = message.slice(0, -joined.length).trimEnd();
        const details = errors.map((e) => `\n  ${e.path}: ${e.message}`).join("");
        // Which server answered: a CLI pointed at another Tern (TERN_URL/TERN_PORT unset while
        // this one listens elsewhere) otherwise reads as a wrong token.
        const where =
          response.status === 401 ? ` (asked Tern at ${shown}; TERN_URL or TERN_PORT names another)` : "";
        throw new Error(
          `${method} ${apiPath} failed (${response.status} ${err.code ?? ""}): ${message}${where}${details}`,
        );
      }
      return json;
    },
  };
}
