import { promises as dns, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type Socket } from "node:net";
import ipaddr from "ipaddr.js";
import { type AddressPolicy, createAddressPolicy } from "./address-policy.js";
import { AppError, registerErrorCodes } from "./app-error.js";

/**
 * Outbound requests written by flow authors (the `http` step), guarded against SSRF: every host
 * is resolved first, EVERY address it resolves to is checked against the policy, and the socket
 * connects to the checked addresses (node:http's `lookup` hook answers with them, so a second DNS
 * answer — DNS rebinding — never reaches the connect). Redirects are followed here, by hand and
 * at most `maxRedirects` times, each hop checked the same way. Each request has a time limit
 * covering DNS, connect, redirects and the body, and a cap on the answer's size.
 */
export const HttpErrorCodes = {
  /** The URL resolves to an address the policy refuses (private, loopback, metadata...). */
  HTTP_ADDRESS_REFUSED: 422,
  /** Cannot be sent: not an absolute http(s) URL, credentials in it, a header with a line break. */
  HTTP_REQUEST_INVALID: 422,
  HTTP_TIMEOUT: 504,
  HTTP_RESPONSE_TOO_LARGE: 502,
  HTTP_REDIRECT_INVALID: 502,
  /** The far side answered with a status that is not 2xx (after the step's retries). */
  HTTP_STATUS: 502,
} as const;
export type HttpErrorCode = keyof typeof HttpErrorCodes;

declare module "./app-error.js" {
  interface RegisteredErrorCodes extends Record<HttpErrorCode, true> {}
}
registerErrorCodes(HttpErrorCodes);

export interface GuardedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Sent only to the first URL's origin: dropped when a redirect leaves it (a connection's auth). */
  credentialHeaders?: Record<string, string>;
  timeoutMs: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
}

export interface GuardedAnswer {
  status: number;
  /** Lowercase names; `set-cookie` is left out (a flow has no use for it; it may be a session). */
  headers: Record<string, string>;
  body: string;
  /** The URL that answered (after redirects). */
  url: string;
}

export type ResolveHost = (hostname: string) => Promise<string[]>;

export interface GuardedHttpOptions {
  policy?: AddressPolicy;
  /** DNS; tests pass a fixed table. Default: the system resolver (getaddrinfo), every address. */
  resolve?: ResolveHost;
}

export type GuardedHttp = (request: GuardedRequest) => Promise<GuardedAnswer>;

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

const systemResolve: ResolveHost = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export function createGuardedHttp(options: GuardedHttpOptions = {}): GuardedHttp {
  const policy = options.policy ?? createAddressPolicy();
  const resolve = options.resolve ?? systemResolve;

  /** The checked addresses of a URL's host; throws HTTP_ADDRESS_REFUSED naming the host. */
  const addressesOf = async (url: URL, from: URL | null): Promise<string[]> => {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    let addresses: string[];
    // A literal is connected to as written (node skips `lookup` for it): check it as it is.
    if (isIP(host) !== 0 || ipaddr.isValid(host)) addresses = [host];
    else {
      try {
        addresses = await resolve(host);
      } catch (cause) {
        throw new AppError("NETWORK_ERROR", `${url.host} could not be resolved (DNS): ${reason(cause)}`, {
          cause,
          retry: "default",
          details: { host: url.host, outcome: "not_sent" },
        });
      }
      if (addresses.length === 0)
        throw new AppError("NETWORK_ERROR", `${url.host} has no address (DNS)`, {
          retry: "default",
          details: { host: url.host, outcome: "not_sent" },
        });
    }
    for (const address of addresses) {
      const why = policy.refusal(address, host);
      if (why) {
        throw new AppError(
          "HTTP_ADDRESS_REFUSED",
          `Refused to connect to ${url.host}${from ? ` (redirected from ${from.host})` : ""}: ${why}. Private, loopback, link-local and metadata addresses ` +
            "are refused unless TERN_HTTP_ALLOW_PRIVATE=true or TERN_HTTP_ALLOW lists them",
          { retry: "never", details: { host: url.host, address, outcome: "not_sent" } },
        );
      }
    }
    return addresses;
  };

  return async (request) => {
    for (const [name, value] of Object.entries(request.headers)) {
      // Node refuses these; a customer's words templated into a header must not split it.
      if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
        throw new AppError(
          "HTTP_REQUEST_INVALID",
          `The value of header "${name}" has a line break or a character a header cannot carry`,
          { retry: "never" },
        );
    }
    const deadline = Date.now() + request.timeoutMs;
    const maxRedirects = request.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const origin = parseUrl(request.url).origin;
    let url = parseUrl(request.url);
    let method = request.method.toUpperCase();
    let body = request.body;
    let headers = { ...request.headers };
    let from: URL | null = null;
    for (let hop = 0; ; hop++) {
      const addresses = await withDeadline(addressesOf(url, from), deadline, url);
      // As fetch does: credentials never follow a redirect to another origin.
      const sameOrigin = url.origin === origin;
      const answer = await send(url, addresses, {
        method,
        headers: sameOrigin ? { ...headers, ...request.credentialHeaders } : withoutSecretHeaders(headers),
        body,
        deadline,
        maxBytes: request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      });
      const location = answer.headers.location;
      if (![301, 302, 303, 307, 308].includes(answer.status) || !location) return answer;
      if (hop >= maxRedirects) {
        throw new AppError(
          "HTTP_REDIRECT_INVALID",
          `${url.host} redirected more than ${maxRedirects} times in a row`,
          { retry: "never", details: { host: url.host, outcome: "unknown" } },
        );
      }
      const next = parseUrl(location, url, "HTTP_REDIRECT_INVALID");
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
      if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
        headers = withoutHeaders(headers, ["content-type", "content-length"]);
      }
      from = url;
      url = next;
    }
  };
}

function parseUrl(value: string, base?: URL, code: HttpErrorCode = "HTTP_REQUEST_INVALID"): URL {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new AppError(code, `"${value.slice(0, 200)}" is not a valid URL`, { retry: "never" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new AppError(code, `${url.protocol} URLs are not supported; use http:// or https://`, {
      retry: "never",
    });
  if (url.username || url.password)
    throw new AppError(code, `The URL for ${url.host} carries credentials; put them in a connection`, {
      retry: "never",
    });
  return url;
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}

/** A header name that carries a secret by its name (run history shows such values redacted). */
export const SECRET_HEADER_NAME = /authorization|cookie|token|secret|api[-_]?key|password/i;

/**
 * What follows a redirect to another origin: no Authorization or Cookie (as fetch does), and no
 * header whose name says it holds a secret (`X-API-Key`, `X-Auth-Token`), which a flow author
 * wrote for the first host only.
 */
function withoutSecretHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !SECRET_HEADER_NAME.test(k)));
}

function reason(cause: unknown): string {
  return cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : String(cause);
}

function timeoutError(url: URL, isSent: boolean): AppError {
  return new AppError("HTTP_TIMEOUT", `No complete answer from ${url.host} in time`, {
    retry: "default",
    details: { host: url.host, outcome: isSent ? "unknown" : "not_sent" },
  });
}

async function withDeadline<T>(work: Promise<T>, deadline: number, url: URL): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(url, false)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

interface Attempt {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  deadline: number;
  maxBytes: number;
}

/** One request to the checked addresses; no redirects followed, no retries. */
function send(url: URL, addresses: string[], attempt: Attempt): Promise<GuardedAnswer> {
  const checked: LookupAddress[] = addresses.map((address) => ({
    address,
    family: address.includes(":") ? 6 : 4,
  }));
  // Answers node's connect with the addresses checked above instead of asking DNS again.
  const lookup = (
    _hostname: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    const first = checked[0] as LookupAddress;
    if (options.all) callback(null, checked);
    else callback(null, first.address, first.family);
  };
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === "https:";
    let isSent = false;
    const fail = (error: AppError) => {
      clearTimeout(timer);
      reject(error);
      request.destroy();
    };
    const timer = setTimeout(
      () => fail(timeoutError(url, isSent)),
      Math.max(0, attempt.deadline - Date.now()),
    );
    const headers = { ...attempt.headers };
    if (attempt.body !== undefined) headers["content-length"] = String(Buffer.byteLength(attempt.body));
    const request = (isHttps ? https : http).request(
      url,
      { method: attempt.method, headers, agent: false, lookup: lookup as never },
      (res) => {
        const tooLarge = () =>
          fail(
            new AppError(
              "HTTP_RESPONSE_TOO_LARGE",
              `The answer from ${url.host} is larger than ${attempt.maxBytes} bytes`,
              { retry: "never", details: { host: url.host, outcome: "unknown" } },
            ),
          );
        if (Number(res.headers["content-length"]) > attempt.maxBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > attempt.maxBytes) return tooLarge();
          chunks.push(chunk);
        });
        res.on("error", (cause) => fail(networkError(url, cause, true)));
        res.on("end", () => {
          clearTimeout(timer);
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined || name === "set-cookie") continue;
            out[name] = Array.isArray(value) ? value.join(", ") : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            body: Buffer.concat(chunks).toString("utf8"),
            url: url.href,
          });
        });
      },
    );
    request.once("socket", (socket: Socket) => {
      if (!socket.connecting) isSent = true;
      else socket.once(isHttps ? "secureConnect" : "connect", () => (isSent = true));
    });
    request.on("error", (cause) => fail(networkError(url, cause, isSent)));
    request.end(attempt.body);
  });
}

function networkError(url: URL, cause: Error, isSent: boolean): AppError {
  return new AppError("NETWORK_ERROR", `The request to ${url.host} failed: ${reason(cause)}`, {
    cause,
    retry: "default",
    details: { host: url.host, outcome: isSent ? "unknown" : "not_sent" },
  });
}
