/**
 * What every channel's sandbox simulator offers, so a flow can be tried on any channel without a
 * phone: a fake provider API on loopback that answers sends as the provider does (path, auth,
 * body checked against its documentation) and a customer who posts signed webhooks to Tern.
 * Each channel's simulator lives in src/sandbox/<type>/ and is listed in ./simulators.ts.
 */
export interface SimulatedSend {
  /** The recipient as the provider's API names it (chat id, user id, phone, openid). */
  to: string;
  /** The text the customer sees (a caption for media; the question for buttons). */
  text: string;
  /** Button / keyboard / quick-reply titles as the customer sees them, in order; empty when none. */
  choices: string[];
  /** The provider message id the simulator answered. */
  providerMessageId: string;
  /** Request as received: path (with query), headers (lower-case), parsed body (JSON, XML text, form). */
  request: { method: string; path: string; headers: Record<string, string | undefined>; body: unknown };
  receivedAt: number;
}

export interface CustomerMessage {
  /** The customer's id on this channel (chat id, user id, phone, openid). */
  from: string;
  text: string;
  /** Display name, where the provider sends one. */
  name?: string;
  /** The provider's message id / dedupe id; generated when absent. */
  id?: string;
  /** A tapped button / quick reply: its payload (the choice id) and its title. */
  choice?: { id: string; title: string };
}

export interface ChannelSimulator {
  type: string;
  /** Base URL of the fake provider API (the channel's `apiBaseUrl`). */
  url: string;
  /** A complete channel config pointing at this simulator, with generated secrets. */
  config: Record<string, unknown>;
  /** The accepted sends, oldest first: the newest `SIMULATOR_MEMORY` (10,000; bounded.ts). */
  sent: SimulatedSend[];
  /** Resolves with the first accepted send matching `predicate` (now or later); rejects after timeoutMs (5 s). */
  waitForSent(predicate: (send: SimulatedSend) => boolean, timeoutMs?: number): Promise<SimulatedSend>;
  /**
   * The signed webhook request the provider would send for this message, not sent (the benchmark
   * posts these at a fixed rate). `url` is `webhookUrl` plus any query string the provider adds.
   */
  webhook(
    webhookUrl: string,
    message: CustomerMessage,
  ): { url: string; headers: Record<string, string>; body: string; id: string };
  /**
   * Plays the customer: posts the provider's signed webhook for this message to Tern's webhook
   * URL, exactly as the provider would. Returns the answer Tern gave and the dedupe id used.
   * `deliverTo`: the origin to post to instead of the URL's own, whose path and query are kept
   * and which the signature still covers (the sandbox signs for Tern's public URL and posts to
   * Tern's own address: a server behind a proxy often cannot reach its public address itself).
   */
  say(
    webhookUrl: string,
    message: CustomerMessage,
    options?: SayOptions,
  ): Promise<{ status: number; body: string; contentType: string | null; id: string }>;
  /**
   * The customer already knows the business, so Tern may write first (Try it starts conversations):
   * Viber delivers only to users subscribed to the bot. Absent where the provider has no such rule.
   */
  meet?(from: string): void;
  /**
   * The address Tern knows this customer by, when the simulator gives the provider another form of
   * `from` (WeChat: an openid made from it; a phone number or chat id made up for "alice"). Absent:
   * `from` itself.
   */
  addressOf?(from: string): string;
  close(): Promise<void>;
}

export interface SayOptions {
  deliverTo?: string;
}

/** `url` with its origin replaced by `deliverTo` (path and query kept); `url` itself without one. */
export function deliveryUrl(url: string, deliverTo?: string): string {
  if (!deliverTo) return url;
  const { pathname, search } = new URL(url);
  return `${deliverTo.replace(/\/+$/, "")}${pathname}${search}`;
}

/** Posts a request built by `ChannelSimulator.webhook` and reads Tern's answer (`say`'s common half). */
export async function postWebhookRequest(
  request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    id: string;
  },
  options: SayOptions = {},
): Promise<{ status: number; body: string; contentType: string | null; id: string }> {
  const response = await fetch(deliveryUrl(request.url, options.deliverTo), {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get("content-type"),
    id: request.id,
  };
}
