import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookAnswer } from "../channels/channel.js";
import { isAppError } from "../core/app-error.js";
import { isStorageFailure } from "../store/storage-failure.js";
import type { DeliveryHealth } from "./delivery-health.js";
import { failRequest } from "./last-resort.js";
import { BAD_QUERY_ENCODING, isQueryWellEncoded } from "./query-encoding.js";
import { UNAVAILABLE_RETRY_AFTER, UNAVAILABLE_STATUS, unavailableBody } from "./unavailable.js";
import {
  createDeliveryContext,
  type DeliveryContext,
  handshake,
  ingest,
  type WebhookDeps,
} from "./webhook-delivery.js";

/**
 * Provider webhooks, served ahead of Fastify on the raw Node request: this is the hot path
 * (thousands of requests a second) and it needs none of the framework — no routing table, no
 * schema, no per-request logger; only the raw bytes for the signature. Handling it here took
 * the per-webhook CPU down by about a third in `npm run bench`.
 *
 * This file reads the request (URL, method, body limits) and answers it; `webhook-delivery.ts`
 * verifies, parses and commits the body to the inbox, and only then is the provider answered
 * 200: durable before acknowledged. Processing happens in the worker, after the response.
 *
 * Nothing a request carries may end the process: every callback below is guarded, and anything
 * unexpected becomes a 500 for that request alone (see ./last-resort.ts).
 */
const PREFIX = "/webhooks/";
const MAX_BODY_BYTES = 4 * 1024 * 1024; // Meta's payloads reach 3 MB
/** What is read and dropped after a 413, at most, so the client can read it (see rejectTooLarge). */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 5_000;

export function createWebhookHandler(deps: WebhookDeps, health: DeliveryHealth) {
  const ctx = createDeliveryContext(deps, health);
  /** Returns false when the request is not a webhook (Fastify handles it). */
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = originForm(req.url ?? "");
    if (!url.startsWith(PREFIX)) return false;
    // Verified (Twilio and Bird sign the URL) and answered as the path the provider was given.
    req.url = url;
    const queryAt = url.indexOf("?");
    const channelId = decodeSegment(url.slice(PREFIX.length, queryAt === -1 ? undefined : queryAt));
    if (channelId === null) {
      req.resume();
      send(res, 400, {
        error: { code: "BAD_REQUEST", message: "Malformed percent-encoding in the webhook URL" },
      });
      return true;
    }
    if (channelId === "" || channelId.includes("/")) return false;
    if (!isQueryWellEncoded(url)) {
      req.resume();
      send(res, 400, BAD_QUERY_ENCODING);
      return true;
    }
    const query = Object.fromEntries(new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1)));

    if (req.method === "GET") {
      respondWith(ctx, res, () => handshake(ctx, channelId, req, query));
      req.resume();
      return true;
    }
    if (req.method !== "POST") {
      send(
        res,
        405,
        { error: { code: "METHOD_NOT_ALLOWED", message: "Webhooks accept GET (verification) and POST" } },
        { allow: "GET, POST" },
      );
      req.resume();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let isTooLarge = false;
    let endAnswer = (): void => undefined;
    /**
     * 413 with `connection: close`, then stop buffering. Destroying the request at once made the
     * kernel answer the unread body with a reset, and a client still writing its body saw that
     * reset instead of the 413. So the answer is written (flushed) at once but only ended —
     * and the connection closed by Node — once the body has been read and dropped, or after a
     * bound in bytes or time.
     */
    const rejectTooLarge = (): void => {
      isTooLarge = true;
      chunks.length = 0;
      if (res.headersSent) return;
      endAnswer = writeClosing(res, 413, {
        error: {
          code: "PAYLOAD_TOO_LARGE",
          message: `Webhook bodies are limited to ${MAX_BODY_BYTES} bytes`,
        },
      });
      const timer = setTimeout(() => endAnswer(), DRAIN_MS);
      timer.unref();
      const whenRead = () => {
        clearTimeout(timer);
        endAnswer();
      };
      // The whole body was read, or the client gave up sending it.
      req.once("end", whenRead);
      req.once("close", whenRead);
    };
    if (Number(req.headers["content-length"]) > MAX_BODY_BYTES) rejectTooLarge();
    // Each listener catches what it throws: an exception escaping an event listener would end
    // the process. (Plain try/catch rather than a wrapper: no extra closures per request.)
    const fail = (error: unknown) => {
      failRequest(ctx.logger, res, error, "webhook request failed");
      req.destroy();
    };
    req.on("data", (chunk: Buffer) => {
      try {
        size += chunk.length;
        if (isTooLarge) {
          // Draining for the answer's sake only: a client that keeps sending is cut off.
          if (size > MAX_BODY_BYTES + MAX_DRAIN_BYTES) endAnswer();
          return;
        }
        if (size > MAX_BODY_BYTES) {
          rejectTooLarge();
          return;
        }
        chunks.push(chunk);
      } catch (error) {
        fail(error);
      }
    });
    req.on("end", () => {
      try {
        if (res.headersSent || isTooLarge) return;
        respondWith(ctx, res, () => ingest(ctx, channelId, req, query, Buffer.concat(chunks)));
      } catch (error) {
        fail(error);
      }
    });
    // An aborted or malformed upload: nothing was acknowledged, the provider will retry.
    req.on("error", () => {
      try {
        req.destroy();
      } catch (error) {
        fail(error);
      }
    });
    return true;
  };
}

/**
 * The path and query of a request line in absolute-form (`POST http://host/webhooks/… HTTP/1.1`,
 * as some proxies send it), which a server must accept (RFC 9112 §3.2.2) and Fastify routes as
 * its path: webhooks answered 404 to it.
 */
function originForm(target: string): string {
  if (target.startsWith("/")) return target;
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (!origin) return target;
  const rest = target.slice(origin[0].length);
  return rest.startsWith("/") ? rest : `/${rest}`;
}

/** `decodeURIComponent`, but null instead of a throw on malformed percent-encoding (`%E0%A4%A`). */
function decodeSegment(segment: string): string | null {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function respondWith(ctx: DeliveryContext, res: ServerResponse, work: () => Promise<WebhookAnswer>): void {
  let pending: Promise<WebhookAnswer>;
  try {
    pending = work();
  } catch (error) {
    pending = Promise.reject(error);
  }
  pending
    .then(
      (result) => {
        if (res.headersSent) return;
        res.writeHead(result.status, {
          "content-type": result.contentType ?? "text/plain; charset=utf-8",
          // A handshake echoes a value the caller chose (hub.challenge): text, never sniffed as HTML.
          "x-content-type-options": "nosniff",
        });
        res.end(result.body);
      },
      (error: unknown) => {
        if (isStorageFailure(error)) return storageDown(ctx, res, error);
        if (isAppError(error)) return send(res, error.httpStatus, { error: error.toJSON() });
        failRequest(ctx.logger, res, error, "webhook failed");
      },
    )
    .catch((error: unknown) => failRequest(ctx.logger, res, error, "webhook answer failed"));
}

/**
 * The database did not take the delivery (down, restarting, full): 503 with Retry-After, so the
 * provider sends it again, as it does for any failure, and one log line a minute rather than a
 * stack trace per delivery (an outside audit saw 3,596 lines in 25 s of a PostgreSQL outage).
 */
function storageDown(ctx: DeliveryContext, res: ServerResponse, error: unknown): void {
  const suppressed = ctx.throttledLog.allow("storage-unavailable");
  if (suppressed !== null) {
    ctx.logger.error(
      { err: error, suppressed },
      "webhook not stored: the database is unavailable; answered 503 for the provider to retry (at most one line a minute; suppressed = lines skipped since the last)",
    );
  }
  if (res.headersSent) return;
  res.writeHead(UNAVAILABLE_STATUS, {
    "content-type": "application/json; charset=utf-8",
    "retry-after": UNAVAILABLE_RETRY_AFTER,
  });
  res.end(
    JSON.stringify(
      unavailableBody("The delivery was not stored: the database is unavailable. Send it again."),
    ),
  );
}

/**
 * Writes a complete answer that announces `connection: close`, without ending it: the returned
 * function ends it, after which Node closes the connection once the response is flushed.
 */
function writeClosing(res: ServerResponse, status: number, payload: unknown): () => void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.write(body);
  return () => {
    if (!res.writableEnded) res.end();
  };
}

function send(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(payload));
}
