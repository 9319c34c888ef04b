import http from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * Answers for requests refused before any route runs, in the API's one error shape
 * (`{ error: { code, message } }`) instead of Fastify's own. None of them repeats the URL: a
 * path can carry a token (flow webhooks), and a log or a proxy keeps response bodies.
 */

/** Fastify's `frameworkErrors`: a path that is not valid percent-encoding, a path segment too long. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
    void reply.status(414).send({
      error: { code: "URI_TOO_LONG", message: "A part of the URL's path is longer than 100 characters." },
    });
    return;
  }
  void reply.status(400).send({
    error: {
      code: "BAD_REQUEST",
      message:
        "The URL's path is not valid percent-encoding (a % must be followed by two hex digits of UTF-8).",
    },
  });
}

/** Why Node's HTTP parser refused the bytes (llhttp's codes), in words. */
const PARSE_ERRORS: Record<string, string> = {
  HPE_INVALID_CONTENT_LENGTH: "Content-Length is not a valid length.",
  HPE_UNEXPECTED_CONTENT_LENGTH: "Content-Length is given more than once.",
  HPE_INVALID_TRANSFER_ENCODING: "Transfer-Encoding is not valid.",
  HPE_INVALID_CHUNK_SIZE: "A chunk of the chunked body has an invalid size.",
  HPE_INVALID_HEADER_TOKEN: "A header name or value has a character HTTP does not allow.",
  HPE_INVALID_METHOD: "The request method is not valid.",
  HPE_INVALID_URL: "The request target is not a valid URL.",
  HPE_INVALID_VERSION: "The HTTP version is not valid.",
};

/**
 * Fastify's `clientErrorHandler`: bytes that are not HTTP, headers over the limit, a request that
 * did not arrive in time. Node has no request object for these; the answer goes on the socket,
 * which is then closed (what Node and Fastify do by default).
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  let status = 400;
  let code = "BAD_REQUEST";
  let message = PARSE_ERRORS[err.code ?? ""] ?? "The request is not valid HTTP.";
  // llhttp gives one code for a bad length and for a length beside Transfer-Encoding; its reason tells.
  if (err.code === "HPE_INVALID_CONTENT_LENGTH" && /Transfer-Encoding/.test(reasonOf(err)))
    message = "A request must not carry both Content-Length and Transfer-Encoding.";
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    status = 408;
    code = "REQUEST_TIMEOUT";
    message =
      "The request did not arrive in time: its headers or its body stopped short of what it announced.";
  } else if (err.code === "HPE_HEADER_OVERFLOW") {
    status = 431;
    code = "HEADERS_TOO_LARGE";
    message = "The request's headers are larger than 16 KB.";
  }
  this.log.trace({ err }, "client error");
  // A whole request before these bytes is still being answered (a delivery being stored): HTTP/1.1
  // answers in order, so a 400 written now was read as that request's answer, although it was
  // taken. Its own answer goes first, then the connection closes; these bytes get none. (A request
  // whose own body is broken is not complete: the 400 is its answer.)
  const pending = (socket as Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (pending?.req.complete && !pending.writableFinished && !socket.destroyed) {
    pending.shouldKeepAlive = false;
    pending.once("close", () => socket.destroy());
    return;
  }
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } });
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

function reasonOf(err: NodeJS.ErrnoException): string {
  const reason = (err as { reason?: unknown }).reason;
  return typeof reason === "string" ? reason : "";
}
