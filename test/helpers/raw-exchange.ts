import { connect } from "node:net";

/**
 * HTTP/1.1 on a raw `node:net` socket, for what `fetch` will not send: bytes that are not
 * UTF-8 in the request line, a Content-Length that lies, broken chunked framing, bodies that
 * trickle in. Every exchange is bounded by `timeoutMs`; a server that neither answers nor closes
 * by then is reported as `timedOut` (the caller decides whether that is acceptable).
 */
export interface RawAnswer {
  /** Status code of the first response, null when none arrived. */
  status: number | null;
  /** The first response's head and whatever followed, as latin1 (for messages in assertions). */
  text: string;
  timedOut: boolean;
  /**
   * The server reset the connection before the client could hand it the whole request: it
   * stopped reading (a body it refused: too large, unsupported type) and a fast close discarded
   * its answer. Whether the process survived is for the caller to check.
   */
  refusedMidRequest: boolean;
}

/** A request in parts: bytes to write, or a pause (a slow client) between writes. */
export type RawPart = Buffer | string | { pauseMs: number };

export function rawExchange(port: number, parts: RawPart[], timeoutMs = 3_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const received: Buffer[] = [];
    let isDone = false;
    let isReset = false;
    let isAllWritten = false;
    const finish = (timedOut: boolean) => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({
        status: match ? Number(match[1]) : null,
        text: text.slice(0, 2_000),
        timedOut,
        refusedMidRequest: isReset && !isAllWritten,
      });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      if (isCompleteResponse(Buffer.concat(received))) finish(false);
    });
    socket.on("end", () => finish(false));
    socket.on("close", () => finish(false));
    // A reset after the server answered and closed is normal for a client that kept writing.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      isReset = error.code === "ECONNRESET" || error.code === "EPIPE";
      finish(false);
    });
    socket.on("connect", async () => {
      for (const part of parts) {
        if (isDone) return;
        if (typeof part === "object" && !Buffer.isBuffer(part)) {
          await new Promise((r) => setTimeout(r, part.pauseMs));
        } else if (!socket.destroyed) {
          // Resolves once the kernel took the bytes; a peer that stopped reading never lets it.
          await new Promise<void>((r) => socket.write(part, () => r()));
        }
      }
      isAllWritten = true;
    });
  });
}

/** True once a whole response (head plus a Content-Length or chunked body) has arrived. */
function isCompleteResponse(data: Buffer): boolean {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd === -1) return false;
  const head = data.subarray(0, headEnd).toString("latin1");
  const body = data.subarray(headEnd + 4);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return body.length >= Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return body.includes("0\r\n\r\n");
  return /^HTTP\/1\.[01] (1\d\d|204|304)/.test(head);
}

/** A complete request: request line, headers (Host and Connection: close added), body. */
export function requestBytes(
  method: string,
  target: string | Buffer,
  headers: Record<string, string | number> = {},
  body: Buffer | string = "",
): Buffer {
  const lines = Object.entries({ host: "127.0.0.1", connection: "close", ...headers }).map(
    ([k, v]) => `${k}: ${v}\r\n`,
  );
  return Buffer.concat([
    Buffer.from(`${method} `),
    Buffer.isBuffer(target) ? target : Buffer.from(target, "latin1"),
    Buffer.from(` HTTP/1.1\r\n${lines.join("")}\r\n`),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);
}
