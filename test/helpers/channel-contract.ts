import { expect, it } from "vitest";
import type {
  ChannelDefinition,
  OutboundMessage,
  WebhookAnswer,
  WebhookRequest,
} from "../../src/channels/channel.js";
import { allEvents } from "../../src/channels/channel.js";
import { isAppError } from "../../src/core/app-error.js";
import type { FetchLike } from "../../src/core/fetch.js";

/**
 * The adapter contract every channel passes (test/channels/contract.test.ts runs it for each type
 * in src/channels/registry.ts). Each adapter supplies these fixtures in
 * test/channels/fixtures/<type>.ts, built from its provider's documented examples (the source of
 * each is recorded next to it), so the contract is checked against the provider, not against Tern.
 */
export interface ContractFixtures {
  // biome-ignore lint/suspicious/noExplicitAny: each adapter has its own config type
  definition: ChannelDefinition<any>;
  /** A complete config as a user would POST it (secrets included). */
  config: Record<string, unknown>;
  /**
   * Builds the request the provider would send with `body`, signed for `config` as the provider
   * signs (headers, query string, URL). `url` defaults to `https://tern.example/webhooks/ch_1`.
   */
  sign(body: Buffer, options?: { url?: string }): WebhookRequest;
  /** Whether the provider signs every delivery: then a delivery without a signature is refused. */
  signatureMandatory: boolean;
  /**
   * Changes the authenticated part of a signed request by one byte. Default: the body. Telegram
   * signs nothing: it echoes a secret token in a header, so that header is what a forger changes.
   */
  tamper?: (req: WebhookRequest) => WebhookRequest;
  /** Documented example deliveries, one per message kind, and the events each must give. */
  examples: Array<{
    name: string;
    /** Where the example comes from (the provider's page). */
    source: string;
    body: string;
    /** Each event, matched with toMatchObject, in order. */
    events: Array<Record<string, unknown>>;
  }>;
  /** A delivery of an event type Tern does not handle: acknowledged, no events, nothing rejected as fatal. */
  unknownEvent: string;
  /**
   * A delivery where one item is malformed among good ones; omit when the provider posts exactly
   * one event per request (then a bad item is a bad body).
   */
  batchWithBadItem?: { body: string; goodEvents: number };
  /** A signature test vector from the provider's documentation, verified as given. */
  vector?: { source: string; config: Record<string, unknown>; request: WebhookRequest };
  /** GET verification handshake, when the provider has one. */
  handshake?: { request: WebhookRequest; answer: Partial<WebhookAnswer>; wrong: WebhookRequest };
  /** The answer to an accepted delivery when it is not the default 200 "OK". */
  acknowledge?: Partial<WebhookAnswer>;
  /** One send per outbound kind the channel supports (text, choices, list, media). */
  sends: Array<{
    name: string;
    message: OutboundMessage;
    /** What the provider's API must receive. `body` is compared parsed (JSON) or as text. */
    request: { method: string; url: string; headers?: Record<string, string | RegExp>; body: unknown };
    /** The provider's documented success answer. */
    response: { status: number; body: string };
    providerMessageId: string;
  }>;
  /** A documented refusal (e.g. 403 "bot was blocked by the user") → CHANNEL_SEND_FAILED, not retried. */
  permanentError: { status: number; body: string };
  /**
   * Answers for calls a send makes before the send itself (WeChat's access token), by URL;
   * undefined for the send. The send tests below see only the send.
   */
  preflight?: (url: string) => { status: number; body: string } | undefined;
}

const URL_DEFAULT = "https://tern.example/webhooks/ch_1";

export function runChannelContract(fx: ContractFixtures): void {
  const def = fx.definition;
  const withPreflight =
    (fetch: FetchLike): FetchLike =>
    async (url, init) => {
      const answer = fx.preflight?.(String(url));
      if (!answer) return fetch(url, init);
      return new Response(answer.body, {
        status: answer.status,
        headers: { "content-type": "application/json" },
      });
    };
  const config = def.config.parse(fx.config);
  const first = fx.examples[0];
  if (!first) throw new Error("a contract needs at least one example");

  it("parses its config, lists real secret fields and declares capabilities", () => {
    for (const field of def.secretFields) expect(Object.keys(config)).toContain(field);
    expect(def.capabilities.maxTextLength).toBeGreaterThan(0);
    expect(def.config.safeParse({}).success).toBe(false);
  });

  for (const example of fx.examples) {
    it(`verifies and parses the documented example: ${example.name}`, () => {
      const req = fx.sign(Buffer.from(example.body));
      expect(() => def.verify(req, config)).not.toThrow();
      const events = allEvents(def.parse(req, config));
      expect(events).toHaveLength(example.events.length);
      for (const [i, expected] of example.events.entries()) expect(events[i]).toMatchObject(expected);
      // The dedupe id is stable: a redelivery parses to the same ids.
      const again = allEvents(def.parse(fx.sign(Buffer.from(example.body)), config));
      expect(again.map((e) => e.providerMessageId)).toEqual(events.map((e) => e.providerMessageId));
    });
  }

  it("takes as an address to send to whom its documented examples came from, and refuses a malformed one", () => {
    const senders = fx.examples.flatMap((example) =>
      allEvents(def.parse(fx.sign(Buffer.from(example.body)), config)).flatMap((e) =>
        e.kind === "message" ? [e.from] : [],
      ),
    );
    expect(senders.length).toBeGreaterThan(0);
    // A channel without a rule (Viber's ids have no documented form) takes any address.
    if (!def.isAddress) return;
    // A trigger's `contact.address` is checked with this: a 400 naming the form, not a failed send.
    expect(def.addressHint).toBeTruthy();
    for (const from of senders) expect(def.isAddress(from), from).toBe(true);
    for (const bad of ["", "not an address!", "x".repeat(300)]) expect(def.isAddress(bad), bad).toBe(false);
  });

  it("refuses a delivery changed by one byte with CHANNEL_SIGNATURE_INVALID", () => {
    const req = fx.sign(Buffer.from(first.body));
    const tamper =
      fx.tamper ??
      ((signed: WebhookRequest) => {
        const tampered = Buffer.from(signed.rawBody);
        const at = Math.floor(tampered.length / 2);
        tampered[at] = (tampered[at] ?? 0) ^ 0x01;
        return { ...signed, rawBody: tampered };
      });
    expectCode(() => def.verify(tamper(req), config), "CHANNEL_SIGNATURE_INVALID");
  });

  it(`${fx.signatureMandatory ? "refuses" : "accepts"} a delivery without a signature`, () => {
    const req = fx.sign(Buffer.from(first.body));
    const unsigned = { ...req, headers: withoutSignature(req.headers), query: withoutSignature(req.query) };
    if (fx.signatureMandatory) expectCode(() => def.verify(unsigned, config), "CHANNEL_SIGNATURE_INVALID");
    else expect(() => def.verify(unsigned, config)).not.toThrow();
  });

  if (fx.vector) {
    const vector = fx.vector;
    it("verifies the provider's published signature vector", () => {
      const vectorConfig = def.config.parse(vector.config);
      expect(() => def.verify(vector.request, vectorConfig)).not.toThrow();
      const body = Buffer.from(vector.request.rawBody);
      body[0] = (body[0] ?? 0) ^ 0x01;
      expectCode(
        () => def.verify({ ...vector.request, rawBody: body }, vectorConfig),
        "CHANNEL_SIGNATURE_INVALID",
      );
    });
  }

  it("acknowledges an unknown event type and yields no events", () => {
    const req = fx.sign(Buffer.from(fx.unknownEvent));
    expect(() => def.verify(req, config)).not.toThrow();
    expect(allEvents(def.parse(req, config))).toEqual([]);
  });

  if (fx.batchWithBadItem) {
    const batch = fx.batchWithBadItem;
    it("keeps the good items of a batch with one bad item, and rejects only that one", () => {
      const parsed = def.parse(fx.sign(Buffer.from(batch.body)), config);
      expect(allEvents(parsed)).toHaveLength(batch.goodEvents);
      const rejected = parsed.rejected.length + parsed.batches.reduce((n, b) => n + b.rejected.length, 0);
      expect(rejected).toBeGreaterThan(0);
    });
  }

  it("answers malformed bodies with CHANNEL_PAYLOAD_INVALID or nothing, never another error", () => {
    const bodies = ["", "{", "null", "[]", '"x"', "0", "{}", "<xml>", "\u0000\u00ff", "[".repeat(100_000)];
    for (const text of bodies) {
      const req = fx.sign(Buffer.from(text, "latin1"));
      try {
        def.parse(req, config);
      } catch (error) {
        expect(isAppError(error) ? error.code : String(error)).toBe("CHANNEL_PAYLOAD_INVALID");
      }
    }
  });

  if (fx.handshake) {
    const handshake = fx.handshake;
    it("answers the verification handshake, and refuses a wrong one", () => {
      expect(def.handshake?.(handshake.request, config)).toMatchObject(handshake.answer);
      let refused: unknown = null;
      try {
        refused = def.handshake?.(handshake.wrong, config) ?? null;
      } catch (error) {
        refused = error;
      }
      // A wrong token is refused (403) or not taken as a handshake at all (400).
      if (refused !== null) expect(isAppError(refused)).toBe(true);
    });
  }

  it("acknowledges an accepted delivery as the provider expects", () => {
    const req = fx.sign(Buffer.from(first.body));
    const answer = def.acknowledge?.(req, config) ?? { status: 200, body: "OK" };
    expect(answer).toMatchObject(fx.acknowledge ?? { status: 200 });
  });

  for (const send of fx.sends) {
    it(`sends ${send.name} exactly as the provider's API expects`, async () => {
      const calls: Array<{ url: string; init: RequestInit }> = [];
      const fetch: FetchLike = async (url, init) => {
        calls.push({ url: String(url), init: init ?? {} });
        return new Response(send.response.body, {
          status: send.response.status,
          headers: { "content-type": "application/json" },
        });
      };
      const result = await def.send(send.message, config, { fetch: withPreflight(fetch) });
      expect(result.providerMessageId).toBe(send.providerMessageId);
      const call = calls.at(-1);
      expect(call?.url).toBe(send.request.url);
      expect((call?.init.method ?? "GET").toUpperCase()).toBe(send.request.method);
      const headers = new Headers(call?.init.headers);
      for (const [name, value] of Object.entries(send.request.headers ?? {})) {
        if (value instanceof RegExp) expect(headers.get(name)).toMatch(value);
        else expect(headers.get(name)).toBe(value);
      }
      const raw = typeof call?.init.body === "string" ? call.init.body : String(call?.init.body ?? "");
      expect(parseMaybeJson(raw)).toEqual(send.request.body);
    });
  }

  it("maps a documented refusal to CHANNEL_SEND_FAILED that is not retried", async () => {
    const send = fx.sends[0];
    if (!send) throw new Error("a contract needs at least one send");
    const fetch: FetchLike = withPreflight(
      async () =>
        new Response(fx.permanentError.body, {
          status: fx.permanentError.status,
          headers: { "content-type": "application/json" },
        }),
    );
    const error = await def.send(send.message, config, { fetch }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("CHANNEL_SEND_FAILED");
    expect(isAppError(error) && error.retry).toBe("never");
  });

  it("backs off on 429 with the provider's Retry-After, and retries 5xx", async () => {
    const send = fx.sends[0];
    if (!send) throw new Error("a contract needs at least one send");
    const answer = (status: number, headers: Record<string, string>): FetchLike =>
      withPreflight(
        async () =>
          new Response("{}", { status, headers: { "content-type": "application/json", ...headers } }),
      );
    const limited = await def
      .send(send.message, config, { fetch: answer(429, { "retry-after": "7" }) })
      .catch((e: unknown) => e);
    expect(isAppError(limited) && limited.retry).toEqual({ afterMs: 7_000 });
    const down = await def.send(send.message, config, { fetch: answer(503, {}) }).catch((e: unknown) => e);
    expect(isAppError(down) && down.code).toBe("CHANNEL_SEND_FAILED");
    expect(isAppError(down) && down.retry).not.toBe("never");
  });

  it("never puts a secret in a send error", async () => {
    const send = fx.sends[0];
    if (!send) throw new Error("a contract needs at least one send");
    const secrets = def.secretFields.map((f) => String(config[f] ?? "")).filter((s) => s.length >= 8);
    const fetch: FetchLike = async (url) => {
      // Telegram puts the bot token in the URL; an error quoting the URL must not leak it.
      throw new TypeError(`fetch failed for ${String(url)}`);
    };
    const error = await def.send(send.message, config, { fetch }).catch((e: unknown) => e);
    const text = JSON.stringify(isAppError(error) ? { m: error.message, d: error.details } : String(error));
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
}

export function requestFor(body: Buffer, options: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...options.headers },
    query: options.query ?? {},
    url: options.url ?? URL_DEFAULT,
    rawBody: body,
  };
}

const SIGNATURE_NAMES = /signature|secret-token|^sig$|msg_signature/i;

function withoutSignature<T extends Record<string, string | undefined>>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([k]) => !SIGNATURE_NAMES.test(k))) as T;
}

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown = null;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isAppError(thrown) ? thrown.code : thrown).toBe(code);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
