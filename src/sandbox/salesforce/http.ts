import type { IncomingMessage, ServerResponse } from "node:http";

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json;charset=UTF-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends a fault's body: strings as-is (e.g. an HTML error page), anything else as JSON. */
export function sendRaw(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType: string | undefined,
  headers: Record<string, string> = {},
): void {
  if (typeof body === "string") {
    sendText(res, status, body, contentType ?? "text/html;charset=UTF-8", headers);
  } else if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
  } else {
    sendJson(res, status, body, headers);
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The bearer token of a request: `Authorization: Bearer|OAuth <token>` (reference §2.1). */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export const delay = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
