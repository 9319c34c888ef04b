import type { InboundMessage } from "../../channels/channel.js";
import { applyContactUpdate } from "../contact-update.js";
import type {
  ContactView,
  EngineHost,
  HttpAnswer,
  HttpRequestSpec,
  RunState,
  StepRecord,
} from "../runtime.js";

/**
 * An in-memory EngineHost for tests: idempotent effects by key, a movable clock, a transcript
 * and every persist call recorded.
 */
export interface FakeHost extends EngineHost {
  /** Messages actually sent (an effect key executed twice appears once). */
  sent: Array<{ key: string; text: string; choices?: Array<{ id: string; title: string }> }>;
  /** Connector calls actually executed. */
  calls: Array<{ key: string; connection: string; action: string; input: Record<string, unknown> }>;
  /** Every effect request, including ones answered from the idempotency store. */
  requestedKeys: string[];
  persisted: Array<{ state: RunState; record: StepRecord }>;
  clock: { now: number };
  /** Builds an inbound text message from the contact and adds it to the transcript. */
  inbound(text: string, extra?: Partial<InboundMessage>): InboundMessage;
  /** What the connector returns (or throws) for a call. */
  onCall: (connection: string, action: string, input: Record<string, unknown>) => unknown;
  /** HTTP requests actually made (`http` steps). */
  requests: Array<{ key: string } & HttpRequestSpec>;
  /** What the far side answers (or throws) for a request. Default: 200 with `{}`. */
  onHttp: (request: HttpRequestSpec) => HttpAnswer | Promise<HttpAnswer>;
}

export function createFakeHost(options: { contact?: Partial<ContactView>; now?: number } = {}): FakeHost {
  const results = new Map<string, unknown>();
  const lines: string[] = [];
  let messageCount = 0;
  const host: FakeHost = {
    sent: [],
    calls: [],
    requests: [],
    requestedKeys: [],
    persisted: [],
    clock: { now: options.now ?? Date.UTC(2026, 0, 1) },
    contact: {
      id: "contact_1",
      channel: "whatsapp",
      address: "16315551181",
      phone: "+16315551181",
      name: "Ada",
      tags: [],
      attributes: {},
      ...options.contact,
    },
    async updateContact(change) {
      applyContactUpdate(host.contact, change);
    },
    onCall: () => ({ id: "00Q000000000001AAA", success: true }),
    onHttp: (request) => ({
      status: 200,
      headers: { "content-type": "application/json" },
      body: "{}",
      url: request.url,
    }),
    now: () => host.clock.now,
    transcript: async () => lines.join("\n"),
    async persist(state, record) {
      host.persisted.push({ state: structuredClone(state), record: structuredClone(record) });
    },
    effects: {
      async send(key, message) {
        host.requestedKeys.push(key);
        if (results.has(key)) return results.get(key) as { providerMessageId: string };
        host.sent.push({ key, ...message });
        lines.push(`Bot: ${message.text}`);
        const result = { providerMessageId: `wamid.${host.sent.length}` };
        results.set(key, result);
        return result;
      },
      async call(key, connection, action, input) {
        host.requestedKeys.push(key);
        if (results.has(key)) return results.get(key);
        host.calls.push({ key, connection, action, input });
        const result = await host.onCall(connection, action, input);
        results.set(key, result);
        return result;
      },
      async http(key, request) {
        host.requestedKeys.push(key);
        if (results.has(key)) return results.get(key) as HttpAnswer;
        host.requests.push({ key, ...request });
        const answer = await host.onHttp(request);
        results.set(key, answer);
        return answer;
      },
    },
    inbound(text, extra = {}) {
      messageCount += 1;
      lines.push(`Customer: ${text}`);
      return {
        kind: "message",
        providerMessageId: `wamid.in.${messageCount}`,
        from: host.contact.address,
        phone: host.contact.phone ?? undefined,
        timestamp: host.clock.now,
        content: { type: "text", text },
        ...extra,
      };
    },
  };
  return host;
}
