import http from "node:http";
import net from "node:net";

/**
 * Requests with the path exactly as written: `fetch` normalises URLs, so a malformed
 * percent-encoding such as `/webhooks/%E0%A4%A` never reaches the server through it.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: options.headers, timeout: 5_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Writes bytes on a fresh socket and returns whatever comes back before the server closes it (or timeoutMs passes). */
export function rawSocket(baseUrl: string, bytes: string, timeoutMs = 5_000): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let out = "";
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on("data", (d: Buffer) => {
      out += d.toString();
    });
    socket.on("close", () => resolve(out));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? resolve(out) : reject(error),
    );
    socket.write(bytes);
  });
}
