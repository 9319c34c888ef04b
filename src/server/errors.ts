import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError, isAppError } from "../core/app-error.js";
import type { createLogThrottle } from "../core/log-throttle.js";
import { jsonPath } from "../flows/issues.js";
import { isStorageFailure } from "../store/storage-failure.js";
import { UNAVAILABLE_RETRY_AFTER, UNAVAILABLE_STATUS, unavailableBody } from "./unavailable.js";

/**
 * A schema validator's instancePath (`/config/0/name`, or `/` for the whole value) as the JSON
 * path the rest of the API uses (`$.config[0].name`, `$`).
 */
export function toJsonPath(instancePath: string | undefined): string {
  const segments = (instancePath ?? "")
    .split("/")
    .filter((s) => s !== "")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
  return jsonPath(segments);
}

/** The code of a 4xx Fastify raised itself (other 4xx are BAD_REQUEST). */
const CODE_OF_STATUS: Record<number, string> = {
  404: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
};

/** A body of another content type than JSON, said the same way on every route that takes JSON. */
export function unsupportedMediaType(contentType: string | undefined): AppError {
  const given = contentType?.trim() ? contentType.trim().slice(0, 100) : "none";
  return new AppError(
    "UNSUPPORTED_MEDIA_TYPE",
    `Unsupported Content-Type (${given}): send the body as application/json.`,
  );
}

type LogThrottle = ReturnType<typeof createLogThrottle>;

/**
 * The one place where errors become HTTP responses: `{ error: { code, message, details? } }`.
 * `throttle` keeps a database outage to one log line a minute rather than a stack per request.
 */
export function createErrorHandler(throttle: LogThrottle) {
  return (error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) =>
    handleError(error, request, reply, throttle);
}

/**
 * The database is down, restarting or full: 503 with Retry-After, as the webhooks answer (the
 * request changed nothing it could not redo), instead of a 500 that says Tern is broken.
 */
function storageUnavailable(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  throttle: LogThrottle,
) {
  const suppressed = throttle.allow("storage-unavailable");
  if (suppressed !== null) {
    request.log.error(
      { err: error, suppressed },
      "request failed: the database is unavailable; answered 503 (at most one line a minute; suppressed = lines skipped since the last)",
    );
  }
  return reply
    .status(UNAVAILABLE_STATUS)
    .header("retry-after", UNAVAILABLE_RETRY_AFTER)
    .send(unavailableBody("The database is unavailable. Try again shortly."));
}

function handleError(
  error: FastifyError | AppError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
  throttle: LogThrottle,
): FastifyReply {
  const fe = error as FastifyError & {
    validation?: Array<{ instancePath?: string; message?: string }>;
    validationContext?: string;
  };
  // Fastify's own 4xx is the client's doing: a body cut off mid-upload is ECONNRESET ("aborted")
  // of the client's socket, not the database's, and must not be logged as a database outage.
  const isClientError = typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500;
  if (!isClientError && isStorageFailure(error)) return storageUnavailable(error, request, reply, throttle);
  if (isAppError(error)) {
    return reply.status(error.httpStatus).send({ error: error.toJSON() });
  }
  if (fe.validation) {
    // Which part of the request is wrong (body, querystring, params, headers) matters as much as where.
    const part = fe.validationContext ?? "request";
    const problems = fe.validation.slice(0, 20).map((v) => ({
      in: part,
      path: toJsonPath(v.instancePath),
      message: v.message ?? "invalid",
    }));
    return reply.status(400).send({
      error: {
        code: "BAD_REQUEST",
        message: `Invalid ${part}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
        details: { problems },
      },
    });
  }
  if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return reply.status(415).send({ error: unsupportedMediaType(request.headers["content-type"]).toJSON() });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = CODE_OF_STATUS[fe.statusCode] ?? "BAD_REQUEST";
    const message = error instanceof SyntaxError ? `Malformed JSON body: ${error.message}` : error.message;
    return reply.status(fe.statusCode).send({ error: { code, message } });
  }
  request.log.error({ err: error }, "unhandled error");
  return reply
    .status(500)
    .send({ error: { code: "INTERNAL", message: "Internal error; see the server log" } });
}
