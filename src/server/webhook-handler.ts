import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, isAppError } from "../core/app-error.js";
import type { AppDeps } from "./app.js";

/**
 * Provider webhooks, served ahead of Fastify on the raw Node request: this is the hot path
 * (thousands of requests a second) and it needs none of the framework — no routing table, no
 * schema, no per-request logger; only the raw bytes for the signature. Handling it here took
 * the per-webhook CPU down by about a third in `npm run bench`.
 *
 * The body is verified, parsed and committed to the inbox, and only then is the provider
 * answered 200: durable before acknowledged. Processing happens in the worker, after the response.
 */
const PREFIX = "/webhooks/";
const MAX_BODY_BYTES = 4 * 1024 * 1024; // Meta's payloads reach 3 MB

type Deps = Pick<AppDeps, "integrations" | "store" | "worker" | "clock" | "logger">;

export function createWebhookHandler(deps: Deps) {
  /** Returns false when the request is not a webhook (Fastify handles it). */
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? "";
    if (!url.startsWith(PREFIX)) return false;
    const queryAt = url.indexOf("?");
    const channelId = decodeURIComponent(url.slice(PREFIX.length, queryAt === -1 ? undefined : queryAt));
    if (channelId === "" || channelId.includes("/")) return false;
    const query = Object.fromEntries(new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1)));

    if (req.method === "GET") {
      respondWith(res, () => handshake(deps, channelId, req, query), deps);
      req.resume();
      return true;
    }
    if (req.method !== "POST") {
      send(res, 405, {
        error: { code: "BAD_REQUEST", message: "Webhooks accept GET (verification) and POST" },
      });
      req.resume();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, {
          error: {
            code: "PAYLOAD_TOO_LARGE",
            message: `Webhook bodies are limited to ${MAX_BODY_BYTES} bytes`,
          },
        });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (res.headersSent) return;
      respondWith(res, () => ingest(deps, channelId, req, query, Buffer.concat(chunks)), deps);
    });
    req.on("error", () => req.destroy());
    return true;
  };
}

function toRequest(req: IncomingMessage, query: Record<string, string>, rawBody: Buffer) {
  return {
    method: req.method as "GET" | "POST",
    // Node lower-cases header names and joins repeated ones.
    headers: req.headers as Record<string, string | undefined>,
    query,
    rawBody,
  };
}

async function handshake(deps: Deps, channelId: string, req: IncomingMessage, query: Record<string, string>) {
  const channel = deps.integrations.channel(channelId);
  const result = channel.definition.handshake?.(toRequest(req, query, Buffer.alloc(0)), channel.config);
  if (!result) throw new AppError("BAD_REQUEST", "Not a verification request");
  return result;
}

async function ingest(
  deps: Deps,
  channelId: string,
  req: IncomingMessage,
  query: Record<string, string>,
  body: Buffer,
) {
  const channel = deps.integrations.channel(channelId);
  const raw = toRequest(req, query, body);
  channel.definition.verify(raw, channel.config);
  const events = channel.definition.parse(raw, channel.config);
  const now = deps.clock.now();
  const touched = await deps.store.write(() => deps.store.inbox.ingest(channel.id, events, now));
  deps.worker.notify(touched);
  return { status: 200, body: "OK" };
}

function respondWith(
  res: ServerResponse,
  work: () => Promise<{ status: number; body: string }>,
  deps: Deps,
): void {
  work().then(
    (result) => {
      res.writeHead(result.status, { "content-type": "text/plain; charset=utf-8" });
      res.end(result.body);
    },
    (error: unknown) => {
      if (isAppError(error)) return send(res, error.httpStatus, { error: error.toJSON() });
      deps.logger.error({ err: error }, "webhook failed");
      send(res, 500, { error: { code: "INTERNAL", message: "Internal error; see the server log" } });
    },
  );
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(payload));
}
