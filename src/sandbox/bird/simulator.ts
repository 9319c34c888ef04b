import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BirdConfig } from "../../channels/bird/config.js";
import { BirdLimits, E164_PATTERN } from "../../channels/bird/limits.js";
import { keepNewest } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";

/**
 * A loopback stand-in for Bird's channels API send endpoint, for tests, `tern demo` and
 * benchmarks: `POST /workspaces/{workspaceId}/channels/{channelId}/messages` with
 * `Authorization: AccessKey <key>`, a JSON text body checked as documented, answered 202 with the
 * message object (status `accepted`). Errors as Bird's `{code, message}` body.
 * https://docs.bird.com/api/channels-api/api-reference/messaging
 * https://docs.bird.com/api/channels-api/supported-channels/programmable-sms/sending-sms-messages
 */
export interface BirdSend {
  /** The message object answered (and kept for status events). */
  message: Record<string, unknown>;
  id: string;
  to: string;
  text: string;
  reference: string | undefined;
  path: string;
  headers: Record<string, string | undefined>;
  body: unknown;
  receivedAt: number;
}

export interface BirdSimulator {
  url: string;
  config: BirdConfig;
  /** The SMS number of the simulated channel (the sender of Tern's messages). */
  number: string;
  sends: BirdSend[];
  requests: number;
  waitForSend(predicate: (send: BirdSend) => boolean, timeoutMs?: number): Promise<BirdSend>;
  /** The next n sends fail with this status and Bird error body. */
  failNext(
    n: number,
    status: number,
    body: { code: string; message: string },
    headers?: Record<string, string>,
  ): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function reply(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(payload));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Checks the text send body; returns the recipient and text, or the reason Bird would refuse it. */
export function validateSend(
  body: unknown,
): { to: string; text: string; reference?: string } | { error: string } {
  if (!isObject(body)) return { error: "body must be a JSON object" };
  const receiver = body.receiver;
  const contacts = isObject(receiver) ? receiver.contacts : undefined;
  const first = Array.isArray(contacts) ? (contacts[0] as unknown) : undefined;
  if (!Array.isArray(contacts) || contacts.length !== 1 || !isObject(first)) {
    return { error: "receiver.contacts must hold one contact" };
  }
  if (typeof first.identifierValue !== "string" || !E164_PATTERN.test(first.identifierValue)) {
    return { error: "receiver.contacts[0].identifierValue must be a phone number in E.164" };
  }
  if (first.identifierKey !== undefined && first.identifierKey !== "phonenumber") {
    return { error: "receiver.contacts[0].identifierKey must be phonenumber for SMS" };
  }
  const content = body.body;
  if (!isObject(content) || content.type !== "text" || !isObject(content.text)) {
    return { error: "body must be {type:'text', text:{text}} (or a template)" };
  }
  const text = content.text.text;
  if (typeof text !== "string" || text.trim() === "") return { error: "body.text.text must not be empty" };
  if (text.length > BirdLimits.textChars)
    return { error: `body.text.text is longer than ${BirdLimits.textChars}` };
  if (body.reference !== undefined && typeof body.reference !== "string")
    return { error: "reference must be a string" };
  return {
    to: first.identifierValue,
    text,
    ...(typeof body.reference === "string" ? { reference: body.reference } : {}),
  };
}

export async function startBirdSimulator(options: { port?: number } = {}): Promise<BirdSimulator> {
  const config: BirdConfig = {
    workspaceId: randomUUID(),
    channelId: randomUUID(),
    accessKey: randomBytes(24).toString("base64url"),
    signingKey: randomBytes(32).toString("hex"),
    apiBaseUrl: "",
  };
  const number = "+31970102030";
  const sends: BirdSend[] = [];
  const faults: Array<{ status: number; body: unknown; headers: Record<string, string> }> = [];
  const waiters = new Set<() => void>();
  let requests = 0;
  const sendPath = `/workspaces/${config.workspaceId}/channels/${config.channelId}/messages`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method !== "POST" || !/^\/workspaces\/[^/]+\/channels\/[^/]+\/messages$/.test(path)) {
      return reply(res, 404, { code: "NotFound", message: "Route not found" });
    }
    const raw = await readBody(req);
    requests++;
    if (req.headers.authorization !== `AccessKey ${config.accessKey}`) {
      return reply(res, 401, { code: "Unauthorized", message: "Invalid or missing access key" });
    }
    if (path !== sendPath) return reply(res, 404, { code: "NotFound", message: "Channel not found" });
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
      return reply(res, 415, {
        code: "UnsupportedMediaType",
        message: "Content-Type must be application/json",
      });
    }
    const fault = faults.shift();
    if (fault) return reply(res, fault.status, fault.body, fault.headers);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return reply(res, 400, { code: "InvalidPayload", message: "Request body is not valid JSON" });
    }
    const checked = validateSend(body);
    if ("error" in checked) return reply(res, 422, { code: "InvalidPayload", message: checked.error });
    const id = randomUUID();
    const now = new Date().toISOString();
    const message: Json = {
      id,
      channelId: config.channelId,
      sender: { connector: { id: randomUUID(), identifierValue: number } },
      receiver: {
        contacts: [{ id: randomUUID(), identifierKey: "phonenumber", identifierValue: checked.to }],
      },
      body: { type: "text", text: { text: checked.text } },
      ...(checked.reference ? { reference: checked.reference } : {}),
      status: "accepted",
      direction: "outgoing",
      lastStatusAt: now,
      createdAt: now,
      updatedAt: now,
    };
    sends.push({
      message,
      id,
      to: checked.to,
      text: checked.text,
      reference: checked.reference,
      path,
      headers: { ...req.headers } as Record<string, string | undefined>,
      body,
      receivedAt: Date.now(),
    });
    keepNewest(sends);
    for (const wake of waiters) wake();
    reply(res, 202, message);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { code: "InternalError", message: "simulator error" });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.apiBaseUrl = url;
  return {
    url,
    config,
    number,
    sends,
    get requests() {
      return requests;
    },
    waitForSend(predicate, timeoutMs = 10_000) {
      return waitForMatch(sends, waiters, predicate, timeoutMs, "Bird simulator");
    },
    failNext(n, status, body, headers = {}) {
      for (let i = 0; i < n; i++) faults.push({ status, body, headers });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
