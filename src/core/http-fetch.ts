import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { FetchError, type FetchInit, type FetchLike } from "./fetch.js";

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/**
 * An idle kept-alive connection is closed by Tern after this long, before the provider's side
 * closes it: Node's own servers close after 5 s (+1 s), many proxies after 5–60 s. A request
 * written on a connection the server closes at that moment is reset after it was sent, an
 * outcome Tern cannot know (a WhatsApp send then waits for a status for 30 s; a channel that
 * echoes nothing must not send again). Without an agent timeout, Node 20's agent also ignores
 * the server's `Keep-Alive: timeout=N` hint, which it otherwise honours (less 1 s).
 */
export const DEFAULT_IDLE_SOCKET_MS = 4_000;

export interface HttpFetchOptions {
  maxSockets?: number;
  /** Time limit of a request whose caller passes neither `signal` nor `timeoutMs`. */
  timeoutMs?: number;
  /** Response body cap when the caller passes no `maxResponseBytes`. */
  maxResponseBytes?: number;
  /** How long an idle kept-alive connection may wait for reuse (DEFAULT_IDLE_SOCKET_MS). */
  idleSocketMs?: number;
}

/**
 * A small fetch for provider calls, on node:http with keep-alive agents. Node's built-in fetch
 * (undici behind WHATWG streams) cost ~0.5 ms of CPU per call in the pipeline benchmark, a
 * quarter of the whole per-message budget; this does the same request for a fraction. It
 * implements what adapters use: method, headers, string/URLSearchParams body, signal,
 * `timeoutMs`, `maxResponseBytes`; and on the answer `status`, `ok`, `headers.get`, `text()`,
 * `json()`. A provider that never answers or streams without end cannot hold a worker: every
 * request has a time limit and a body cap.
 *
 * Rejections are FetchError, whose `isRequestSent` tells "certainly not delivered" (no
 * connection, DNS, TLS) from "may have reached the provider" (see `requestOutcome`).
 */
export function createHttpFetch(options: HttpFetchOptions = {}): FetchLike {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 128,
    // The agent destroys a free socket at this timeout; on a socket in use it only emits
    // `timeout`, which nothing here listens to (each request has its own timer below).
    timeout: options.idleSocketMs ?? DEFAULT_IDLE_SOCKET_MS,
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const defaultMaxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const url = typeof input === "string" ? new URL(input) : input;
      const isHttps = url.protocol === "https:";
      const headers = headerRecord(init.headers);
      const body =
        init.body == null ? undefined : typeof init.body === "string" ? init.body : String(init.body);
      if (body !== undefined) {
        headers["content-length"] = String(Buffer.byteLength(body));
        if (init.body instanceof URLSearchParams && !headers["content-type"]) {
          headers["content-type"] = "application/x-www-form-urlencoded;charset=UTF-8";
        }
      }
      const timeoutMs = init.timeoutMs ?? (init.signal ? undefined : defaultTimeoutMs);
      const maxBytes = init.maxResponseBytes ?? defaultMaxBytes;
      // Until the socket is connected (and TLS established) not a byte of the request is out.
      let isSent = false;
      let timer: NodeJS.Timeout | undefined;
      const fail = (error: FetchError) => {
        clearTimeout(timer);
        reject(error);
        request.destroy();
      };

      const request = (isHttps ? https : http).request(
        url,
        {
          method: init.method ?? "GET",
          headers,
          agent: isHttps ? agents.https : agents.http,
          signal: init.signal ?? undefined,
        },
        (res) => {
          const declared = Number(res.headers["content-length"]);
          if (declared > maxBytes) return fail(tooLarge(url, maxBytes));
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) return fail(tooLarge(url, maxBytes));
            chunks.push(chunk);
          });
          res.on("error", (cause) => fail(networkError(cause, true)));
          res.on("end", () => {
            clearTimeout(timer);
            resolve(liteResponse(res, Buffer.concat(chunks)));
          });
        },
      );
      request.once("socket", (socket: Socket) => {
        const markSent = () => {
          isSent = true;
        };
        if (!socket.connecting) markSent();
        else socket.once(isHttps ? "secureConnect" : "connect", markSent);
      });
      request.on("error", (cause) => fail(networkError(cause, isSent)));
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          fail(
            new FetchError(`no complete answer from ${url.host} within ${timeoutMs} ms`, {
              isRequestSent: isSent,
              reason: "timeout",
            }),
          );
        }, timeoutMs);
      }
      request.end(body);
    });
}

/**
 * The request's headers as node:http takes them, lower-cased as `Headers` gives them. A plain
 * object (what every adapter passes) is copied directly: `new Headers()` per request cost 1 % of
 * the Lead pipeline's CPU. Names and values are validated by node:http.
 */
function headerRecord(init: FetchInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (init == null) return out;
  if (init instanceof Headers || Array.isArray(init)) {
    new Headers(init).forEach((value, key) => {
      out[key] = value;
    });
    return out;
  }
  for (const [name, raw] of Object.entries(init)) {
    const key = name.toLowerCase();
    const value = String(raw).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

function networkError(cause: Error, isRequestSent: boolean): FetchError {
  const reason = cause.name === "AbortError" ? "aborted" : "network";
  return new FetchError(`fetch failed (${cause.message})`, { cause, isRequestSent, reason });
}

function tooLarge(url: URL, maxBytes: number): FetchError {
  return new FetchError(`the answer from ${url.host} is larger than ${maxBytes} bytes; request aborted`, {
    isRequestSent: true,
    reason: "too_large",
  });
}

function liteResponse(res: http.IncomingMessage, body: Buffer): Response {
  const status = res.statusCode ?? 0;
  const lite = {
    status,
    ok: status >= 200 && status < 300,
    statusText: res.statusMessage ?? "",
    headers: {
      get(name: string): string | null {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
      has: (name: string) => res.headers[name.toLowerCase()] !== undefined,
    },
    text: async () => body.toString("utf8"),
    json: async () => JSON.parse(body.toString("utf8")) as unknown,
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
  };
  return lite as unknown as Response;
}
