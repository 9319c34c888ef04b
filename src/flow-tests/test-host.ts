import type { InboundMessage } from "../channels/channel.js";
import { getChannelDefinition } from "../channels/registry.js";
import { AppError, pausedUntil, toAppError } from "../core/app-error.js";
import { unjoinableProblem } from "../core/base-url-join.js";
import { toE164 } from "../core/phone.js";
import { applyContactUpdate } from "../flows/contact-update.js";
import type { FlowTestCase, HttpStub } from "../flows/flow-test.js";
import type {
  ContactView,
  EngineHost,
  HttpAnswer,
  HttpRequestSpec,
  OutboundMessageSpec,
  SendReceipt,
} from "../flows/runtime.js";
import { HANDOFF_WEBHOOK } from "../flows/steps/handoff.step.js";
import { backoffMs } from "../queue/effects.js";
import { windowClosed } from "../queue/reply-window.js";
import { refusedByChannel } from "./channel-refusals.js";
import type { SentMessage } from "./match.js";
import type { SandboxOrg } from "./sandbox-org.js";

/**
 * The EngineHost a test case runs on: what the worker's run host does (queue/run-host.ts),
 * in memory. Sends are recorded as the conversation's messages; connector calls go to the
 * sandbox org through the real connector, retried like the worker retries them (3 attempts; the
 * back-off moves the simulated clock); effects are idempotent by key.
 * `http` requests (and a handoff's notify) are answered by the case's `http` answers, never the network.
 * A send is refused where the worker's would be before it leaves: past the channel's reply window
 * (then a `fallback` carries it) and what the channel's adapter refuses (channel-refusals.ts).
 * Not simulated: the outbox, delivery statuses and a fallback on a failed status.
 */
export interface TestHost extends EngineHost {
  sent: SentMessage[];
  clock: { now: number };
  /** An inbound message from the contact, added to the transcript. */
  inbound(say: string | { choice: string }): InboundMessage;
}

/** Attempts per connector call, as the worker makes them (queue/effects.ts). */
const MAX_ATTEMPTS = 3;

/** The default contact's number on channels that reach people by number. */
const TEST_PHONE = "+16315551181";

export function testContact(channel: string, contact: FlowTestCase["contact"] = {}): ContactView {
  // Channels that reach people by number: the contact's phone defaults to the address, written
  // as the channel writes it (WhatsApp digits, Twilio and RCS E.164 with its "+").
  const definition = getChannelDefinition(channel);
  const isPhone = definition?.addressIsPhone === true;
  const address =
    contact.address ?? (isPhone ? (definition?.addressForPhone?.(TEST_PHONE) ?? TEST_PHONE) : "test-user-1");
  return {
    id: "contact_test",
    channel,
    address,
    phone: contact.phone !== undefined ? toE164(contact.phone) : isPhone ? toE164(address) : null,
    name: contact.name ?? null,
    tags: [...(contact.tags ?? [])].sort(),
    attributes: { ...contact.attributes },
  };
}

export function createTestHost(options: {
  contact: ContactView;
  /** Shared with the sandbox org: moving it moves both. */
  clock: { now: number };
  org: SandboxOrg;
  /** The case's answers to `http` requests. */
  http?: ReadonlyArray<HttpStub>;
}): TestHost {
  const { org } = options;
  const results = new Map<string, unknown>();
  const lines: string[] = [];
  let inboundCount = 0;
  /** When the contact last wrote: the reply window's start (none for a run no message started). */
  let lastInboundAt: number | undefined;
  /**
   * The message through the step's fallback channel to the contact's phone (queue/send-effects.ts
   * `fallBack`). Tests have no channels: the one the step names stands for it, by its type when
   * the name is a channel type.
   */
  const playFallback = (
    content: Pick<OutboundMessageSpec, "text" | "choices">,
    channel: string,
    reason: string,
  ): Pick<SendReceipt, "fallback"> => {
    if (!host.contact.phone) {
      throw new AppError(
        "CHANNEL_SEND_FAILED",
        `${reason} No fallback through "${channel}": the contact's phone number is not known on this channel.`,
        { retry: "never" },
      );
    }
    const definition = getChannelDefinition(channel);
    const refused = definition && refusedByChannel(definition, content);
    if (refused) throw refused;
    return { fallback: { channelId: channel, channelType: definition?.type ?? channel, reason } };
  };
  const host: TestHost = {
    sent: [],
    clock: options.clock,
    contact: options.contact,
    now: () => host.clock.now,
    transcript: async () => lines.join("\n"),
    persist: async () => {},
    async updateContact(change) {
      applyContactUpdate(host.contact, change);
    },
    effects: {
      async send(key, message) {
        if (results.has(key)) return results.get(key) as SendReceipt;
        const { fallback, ...content } = message;
        const definition = getChannelDefinition(host.contact.channel);
        // As the worker: past the reply window nothing is asked of the provider; a fallback carries it.
        const closed = definition && windowClosed(definition, lastInboundAt, host.clock.now);
        if (closed && !fallback) throw closed;
        const receipt = closed && fallback ? playFallback(content, fallback.channel, closed.message) : {};
        if (!closed && definition) {
          const refused = refusedByChannel(definition, content);
          if (refused) throw refused;
        }
        host.sent.push({ text: content.text, ...(content.choices ? { choices: content.choices } : {}) });
        lines.push(`Bot: ${content.text}`);
        const sent = { providerMessageId: `test.out.${host.sent.length}`, ...receipt };
        results.set(key, sent);
        return sent;
      },
      async call(key, connection, action, input) {
        if (results.has(key)) return results.get(key);
        if (connection === HANDOFF_WEBHOOK) {
          // A handoff's notify is a POST like an http step's: the case's `http` answers it.
          const result = notifyAnswer(options.http ?? [], input);
          results.set(key, result);
          return result;
        }
        const run = org.runtime.actions[action];
        if (!run) {
          throw new AppError(
            "CONNECTION_INVALID",
            `In tests every connection is the Salesforce sandbox; connection "${connection}" has no action "${action}"`,
          );
        }
        const ctx = { connectionId: "sandbox", intentAt: host.clock.now, key };
        for (let attempt = 1; ; attempt++) {
          try {
            const result = await run.run(input, org.config, ctx);
            results.set(key, result);
            return result;
          } catch (error) {
            const appError = toAppError(error);
            // A paused connection is not retried: the engine parks the run until the pause ends.
            if (appError.retry === "never" || pausedUntil(appError.retry) !== null || attempt >= MAX_ATTEMPTS)
              throw appError;
            host.clock.now += backoffMs(appError.retry, attempt);
          }
        }
      },
      // The http step's requests get the case's answers, never the network.
      async http(key, request) {
        if (results.has(key)) return results.get(key) as HttpAnswer;
        // As the worker refuses it (connectors/http); with no baseUrl here, only what no base takes.
        const refused = request.connection ? unjoinableProblem(request.url) : null;
        if (refused) throw new AppError("HTTP_REQUEST_INVALID", refused);
        const answer = stubAnswer(options.http ?? [], request);
        results.set(key, answer);
        return answer;
      },
    },
    inbound(say) {
      inboundCount += 1;
      const base = {
        kind: "message" as const,
        providerMessageId: `test.in.${inboundCount}`,
        from: host.contact.address,
        ...(host.contact.phone ? { phone: host.contact.phone } : {}),
        ...(host.contact.name ? { profileName: host.contact.name } : {}),
        timestamp: host.clock.now,
      };
      lastInboundAt = host.clock.now;
      if (typeof say === "string") {
        lines.push(`Customer: ${say}`);
        return { ...base, content: { type: "text", text: say } };
      }
      // A tap shows the button's title, as channels report it; the last message offering it names it.
      const offered = host.sent.findLast((m) => m.choices?.some((c) => c.id === say.choice));
      const title = offered?.choices?.find((c) => c.id === say.choice)?.title ?? say.choice;
      lines.push(`Customer: ${title}`);
      return { ...base, content: { type: "choice", id: say.choice, title, text: title } };
    },
  };
  return host;
}

/** The first answer whose method and URL match; none is an error the step's onError can take. */
function stubAnswer(stubs: ReadonlyArray<HttpStub>, request: HttpRequestSpec): HttpAnswer {
  const method = request.method.toUpperCase();
  const stub = stubs.find(
    (s) =>
      (s.method === undefined || s.method.toUpperCase() === method) &&
      new RegExp(s.url, "u").test(request.url),
  );
  if (!stub)
    throw new AppError(
      "NETWORK_ERROR",
      `Tests never reach the network, and the case has no answer for ${method} ${request.url}: add one to its "http", e.g. { "url": "…", "body": { … } }`,
    );
  const isText = typeof stub.body === "string" || stub.body === undefined;
  const headers = Object.fromEntries(
    Object.entries(stub.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  if (!isText && !headers["content-type"]) headers["content-type"] = "application/json";
  const body = stub.body === undefined ? "" : isText ? String(stub.body) : JSON.stringify(stub.body);
  return { status: stub.status, headers, body, url: request.url };
}

/** A handoff's notify, as the worker's webhook connection posts it (queue/handoff-notify.ts). */
function notifyAnswer(stubs: ReadonlyArray<HttpStub>, input: Record<string, unknown>): { status: number } {
  const request = {
    method: "POST",
    url: String(input.url ?? ""),
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input.payload ?? null),
    timeoutMs: 10_000,
    retries: 0,
  };
  const { status } = stubAnswer(stubs, request);
  if (status < 200 || status > 299)
    throw new AppError("NETWORK_ERROR", `The handoff webhook answered HTTP ${status}.`, {
      details: { status },
    });
  return { status };
}
