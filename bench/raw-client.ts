import net from "node:net";
import type { PreparedRequest } from "./load.js";

/**
 * The benchmark's HTTP/1.1 client: keep-alive sockets that write each request as one prepared
 * buffer and read only the status line and the length of each answer. Node's `http.request`
 * costs about as much CPU per request as Tern spends answering it, so on a 2-core machine the
 * generator, not Tern, set the ack figures (Tern's CPU profile showed it two-thirds idle).
 * Hand-written because load generators on npm (autocannon, undici's pool) bring their own
 * scheduling or cost as much; this one keeps the open-loop schedule in load.ts.
 */
export function createRawClient(baseUrl: string, maxSockets = 256) {
  const url = new URL(baseUrl);
  const idle: Conn[] = [];
  const all = new Set<Conn>();
  const queue: Array<{ bytes: Buffer; resolve: (status: number) => void }> = [];
  const hostHeader = `host: ${url.host}\r\n`;

  interface Conn {
    socket: net.Socket;
    pending: Buffer;
    current: ((status: number) => void) | null;
  }

  const release = (conn: Conn) => {
    const next = queue.shift();
    if (next) send(conn, next.bytes, next.resolve);
    else idle.push(conn);
  };

  const fail = (conn: Conn) => {
    all.delete(conn);
    const i = idle.indexOf(conn);
    if (i >= 0) idle.splice(i, 1);
    conn.current?.(0);
    conn.current = null;
    conn.socket.destroy();
    const next = queue.shift();
    if (next) open(next.bytes, next.resolve);
  };

  const open = (bytes: Buffer, resolve: (status: number) => void) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    const conn: Conn = { socket, pending: Buffer.alloc(0), current: null };
    all.add(conn);
    socket.on("data", (chunk: Buffer) => onData(conn, chunk));
    socket.on("error", () => fail(conn));
    socket.on("close", () => fail(conn));
    send(conn, bytes, resolve);
  };

  const send = (conn: Conn, bytes: Buffer, resolve: (status: number) => void) => {
    conn.current = resolve;
    conn.socket.write(bytes);
  };

  /** One answer at a time per socket: status line, headers, then Content-Length bytes of body. */
  const onData = (conn: Conn, chunk: Buffer) => {
    conn.pending = conn.pending.length === 0 ? chunk : Buffer.concat([conn.pending, chunk]);
    for (;;) {
      const headEnd = conn.pending.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const head = conn.pending.subarray(0, headEnd).toString("latin1");
      const status = Number(head.slice(9, 12));
      const isChunked = /\r\ntransfer-encoding: *chunked/i.test(head);
      const total = isChunked
        ? chunkedEnd(conn.pending, headEnd + 4)
        : headEnd + 4 + Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (total < 0 || conn.pending.length < total) return;
      conn.pending = conn.pending.subarray(total);
      const resolve = conn.current;
      conn.current = null;
      const closes = /\r\nconnection: *close/i.test(head);
      resolve?.(status);
      if (closes) {
        all.delete(conn);
        conn.socket.destroy();
        const next = queue.shift();
        if (next) open(next.bytes, next.resolve);
        return;
      }
      release(conn);
    }
  };

  return {
    post(req: PreparedRequest): Promise<number> {
      const body = Buffer.from(req.body);
      let head = `POST ${req.path} HTTP/1.1\r\n${hostHeader}content-length: ${body.length}\r\n`;
      for (const [name, value] of Object.entries(req.headers)) head += `${name}: ${value}\r\n`;
      const bytes = Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]);
      return new Promise((resolve) => {
        const conn = idle.pop();
        if (conn) send(conn, bytes, resolve);
        else if (all.size < maxSockets) open(bytes, resolve);
        else queue.push({ bytes, resolve });
      });
    },
    close() {
      for (const conn of all) conn.socket.destroy();
      all.clear();
      idle.length = 0;
    },
  };
}

/** Where a chunked body that starts at `from` ends, or -1 while it is incomplete. */
function chunkedEnd(buffer: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const lineEnd = buffer.indexOf("\r\n", at);
    if (lineEnd < 0) return -1;
    const size = Number.parseInt(buffer.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return buffer.length; // not HTTP: drop what we have
    if (size === 0) {
      // No trailers from Tern: the last chunk is followed by one empty line.
      return buffer.length >= lineEnd + 4 ? lineEnd + 4 : -1;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return -1;
  }
}
