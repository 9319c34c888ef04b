import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readForm } from "../../channels/form-body.js";
import type { TwilioConfig } from "../../channels/twilio/config.js";
import { TWILIO_ADDRESS, TwilioLimits } from "../../channels/twilio/limits.js";
import { keepNewest } from "../bounded.js";
import { waitForMatch } from "../wait-for-match.js";
import { newSid, signedRequest, statusForm } from "./webhooks.js";

/**
 * A loopback stand-in for Twilio's Message resource, for tests, `tern demo` and benchmarks:
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic AccountSid:AuthToken and
 * a form body, answered 201 with the message resource, or Twilio's error JSON
 * `{code, message, more_info, status}` for what Twilio refuses.
 * https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 */
export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
  statusCallback: string | undefined;
  /** The request as received: path, lower-case headers, the form as an object. */
  path: string;
  headers: Record<string, string | undefined>;
  form: Record<string, string>;
  receivedAt: number;
}

export interface TwilioSimulator {
  url: string;
  config: TwilioConfig;
  messages: TwilioMessage[];
  /** The number's "A message comes in" webhook as last set through the API (setup). */
  readonly smsUrl: string | undefined;
  /** The requests that reached the Messages endpoint, accepted or not (the newest 10,000: bounded.ts). */
  requests: number;
  waitForMessage(predicate: (m: TwilioMessage) => boolean, timeoutMs?: number): Promise<TwilioMessage>;
  /** The next n creates fail with this HTTP status and Twilio error code (e.g. 400 / 21610). */
  failNext(n: number, status: number, code: number, message?: string): void;
  /**
   * Posts a signed status callback for a message the simulator accepted, to `url` or the
   * message's StatusCallback. Returns Tern's HTTP status.
   */
  postStatus(sid: string, status: string, options?: { errorCode?: string; url?: string }): Promise<number>;
  /**
   * After each accepted message that has a StatusCallback, post these statuses there in order, as
   * Twilio reports a message's progress (e.g. `["sent", "delivered"]`); null stops it.
   * `beforeAnswer`: posted (and answered by Tern) before the create call is answered, as when
   * Twilio's callback overtakes its slow answer: Tern learns of the status before the message sid.
   */
  deliverStatuses(
    statuses: ReadonlyArray<string> | null,
    options?: { beforeAnswer?: boolean; errorCode?: string },
  ): void;
  close(): Promise<void>;
}

function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "twilio-request-id": `RQ${randomBytes(16).toString("hex")}`,
  });
  res.end(JSON.stringify(payload));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startTwilioSimulator(options: { port?: number } = {}): Promise<TwilioSimulator> {
  const config: TwilioConfig = {
    accountSid: `AC${randomBytes(16).toString("hex")}`,
    authToken: randomBytes(16).toString("hex"),
    from: "+15005550006",
    apiBaseUrl: "",
  };
  const messages: TwilioMessage[] = [];
  const faults: Array<{ status: number; code: number; message: string }> = [];
  const waiters = new Set<() => void>();
  let requests = 0;
  let autoStatuses: ReadonlyArray<string> | null = null;
  let autoOptions: { beforeAnswer?: boolean; errorCode?: string } = {};
  const phoneNumberSid = `PN${randomBytes(16).toString("hex")}`;
  /** The number's messaging webhook, as set through IncomingPhoneNumbers. */
  const number: { smsUrl?: string; smsMethod?: string } = {};

  function authorized(req: IncomingMessage): boolean {
    const expected = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString("base64")}`;
    return req.headers.authorization === expected;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path.includes("/IncomingPhoneNumbers")) return handleNumbers(req, res);
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!match || req.method !== "POST") {
      return reply(res, 404, errorBody(404, 20404, `The requested resource ${path} was not found`));
    }
    const raw = await readBody(req);
    requests++;
    // Twilio answers a wrong or missing credential with 401 / 20003 "Authenticate".
    if (!authorized(req) || match[1] !== config.accountSid) {
      return reply(res, 401, errorBody(401, 20003, "Authenticate"));
    }
    const fault = faults.shift();
    if (fault) return reply(res, fault.status, errorBody(fault.status, fault.code, fault.message));
    if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return reply(res, 400, errorBody(400, 21602, "Message body is required."));
    }
    const params = readForm(raw);
    const form = Object.fromEntries([...params].map(([k, v]) => [k, v[0] ?? ""]));
    const refusal = validate(form);
    if (refusal) return reply(res, 400, errorBody(400, refusal.code, refusal.message));
    const sid = newSid("SM");
    const message: TwilioMessage = {
      sid,
      to: form.To ?? "",
      from: form.From,
      messagingServiceSid: form.MessagingServiceSid,
      body: form.Body ?? "",
      statusCallback: form.StatusCallback,
      path,
      headers: { ...req.headers } as Record<string, string | undefined>,
      form,
      receivedAt: Date.now(),
    };
    messages.push(message);
    keepNewest(messages);
    for (const wake of waiters) wake();
    if (autoStatuses && message.statusCallback) {
      const statuses = autoStatuses;
      const { beforeAnswer, errorCode } = autoOptions;
      const post = async () => {
        for (const status of statuses) {
          const failed = status === "failed" || status === "undelivered";
          await postStatus(sid, status, failed && errorCode ? { errorCode } : {}).catch(() => undefined);
        }
      };
      // Twilio usually reports progress after it answered the create call.
      if (beforeAnswer) await post();
      else setTimeout(() => void post(), 20);
    }
    const now = new Date().toUTCString().replace("GMT", "+0000");
    reply(res, 201, {
      account_sid: config.accountSid,
      api_version: "2010-04-01",
      body: message.body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: message.from ?? null,
      messaging_service_sid: message.messagingServiceSid ?? null,
      num_media: "0",
      num_segments: String(Math.max(1, Math.ceil(message.body.length / 153))),
      price: null,
      price_unit: "USD",
      sid,
      status: message.messagingServiceSid ? "accepted" : "queued",
      subresource_uris: { media: `/2010-04-01/Accounts/${config.accountSid}/Messages/${sid}/Media.json` },
      to: message.to,
      uri: `/2010-04-01/Accounts/${config.accountSid}/Messages/${sid}.json`,
    });
  }

  /**
   * The account's one number (`config.from`, sid `phoneNumberSid`): listed by
   * `GET …/IncomingPhoneNumbers.json?PhoneNumber=`, its SmsUrl set by `POST …/IncomingPhoneNumbers/{sid}.json`.
   * https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource
   */
  async function handleNumbers(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const raw = await readBody(req);
    const base = `/2010-04-01/Accounts/${config.accountSid}/IncomingPhoneNumbers`;
    if (!authorized(req) || !url.pathname.startsWith(base)) {
      return reply(res, 401, errorBody(401, 20003, "Authenticate"));
    }
    const resource = () => ({
      sid: phoneNumberSid,
      account_sid: config.accountSid,
      phone_number: config.from,
      sms_url: number.smsUrl ?? "",
      sms_method: number.smsMethod ?? "POST",
      capabilities: { sms: true, mms: true, voice: true },
    });
    if (req.method === "GET" && url.pathname === `${base}.json`) {
      const wanted = url.searchParams.get("PhoneNumber");
      const matches = wanted === null || wanted === config.from;
      return reply(res, 200, { incoming_phone_numbers: matches ? [resource()] : [], page: 0, page_size: 50 });
    }
    if (req.method === "POST" && url.pathname === `${base}/${phoneNumberSid}.json`) {
      const form = readForm(raw);
      const smsUrl = form.get("SmsUrl")?.[0];
      if (smsUrl !== undefined) number.smsUrl = smsUrl;
      const smsMethod = form.get("SmsMethod")?.[0];
      if (smsMethod !== undefined) number.smsMethod = smsMethod;
      return reply(res, 200, resource());
    }
    return reply(res, 404, errorBody(404, 20404, `The requested resource ${url.pathname} was not found`));
  }

  /** Twilio's checks, in its order, with its codes: https://www.twilio.com/docs/api/errors */
  function validate(form: Record<string, string>): { code: number; message: string } | null {
    if (!form.To) return { code: 21604, message: "A 'To' phone number is required." };
    if (!TWILIO_ADDRESS.test(form.To)) {
      return { code: 21211, message: `Invalid 'To' Phone Number: ${form.To.slice(0, 20)}` };
    }
    if (!form.From && !form.MessagingServiceSid) {
      return {
        code: 21603,
        message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
      };
    }
    // An alphanumeric sender id is accepted for SMS where the country allows it.
    const isAlphanumeric = /^(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(form.From ?? "");
    if (form.From && !TWILIO_ADDRESS.test(form.From) && !isAlphanumeric) {
      return { code: 21212, message: `Invalid From Number (caller ID): ${form.From.slice(0, 20)}` };
    }
    if (form.From?.startsWith("whatsapp:") !== form.To.startsWith("whatsapp:") && form.From) {
      return { code: 21910, message: "Invalid From and To pair. From and To should be of the same channel" };
    }
    if (!form.Body && !form.MediaUrl && !form.ContentSid) {
      return { code: 21602, message: "Message body is required." };
    }
    if ((form.Body ?? "").length > TwilioLimits.bodyChars) {
      return { code: 21617, message: "The concatenated message body exceeds the 1600 character limit." };
    }
    return null;
  }

  async function postStatus(
    sid: string,
    status: string,
    opts: { errorCode?: string; url?: string } = {},
  ): Promise<number> {
    const message = messages.find((m) => m.sid === sid);
    const target = opts.url ?? message?.statusCallback;
    if (!message || !target) throw new Error(`Twilio simulator: no message ${sid} with a StatusCallback`);
    const fields = statusForm({
      accountSid: config.accountSid,
      messageSid: sid,
      from: message.from ?? message.messagingServiceSid ?? "",
      to: message.to,
      status,
      ...(opts.errorCode ? { errorCode: opts.errorCode } : {}),
    });
    const request = signedRequest(target, fields, config.authToken);
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, errorBody(500, 20500, "Internal Server Error"));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.apiBaseUrl = url;

  return {
    url,
    config,
    messages,
    get requests() {
      return requests;
    },
    get smsUrl() {
      return number.smsUrl;
    },
    waitForMessage(predicate, timeoutMs = 10_000) {
      return waitForMatch(messages, waiters, predicate, timeoutMs, "Twilio simulator");
    },
    failNext(n, status, code, message = "Simulated failure") {
      for (let i = 0; i < n; i++) faults.push({ status, code, message });
    },
    postStatus,
    deliverStatuses(statuses, options = {}) {
      autoStatuses = statuses;
      autoOptions = options;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
