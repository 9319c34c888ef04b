import type { ServerResponse } from "node:http";
import type { Logger } from "pino";

/**
 * The answer when a request path failed in a way nothing else handled: log it with its stack
 * (pino's `err` serializer keeps it) and answer 500 to this request alone, or cut its
 * connection when the answer already started. Never throws: it is the last line.
 */
export function failRequest(logger: Logger, res: ServerResponse, error: unknown, what: string): void {
  try {
    logger.error({ err: error }, what);
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json; charset=utf-8", connection: "close" });
      res.end('{"error":{"code":"INTERNAL","message":"Internal error; see the server log"}}');
    } else {
      res.destroy();
    }
  } catch {
    res.destroy();
  }
}
