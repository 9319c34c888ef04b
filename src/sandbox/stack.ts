import { readFileSync } from "node:fs";
import type { ApiClient } from "../cli/api-client.js";
import { templatePath } from "../core/paths.js";
import {
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
  startSalesforceEmulator,
} from "./salesforce/index.js";
import {
  buildTextWebhook,
  postWebhook,
  startWhatsAppSimulator,
  type WhatsAppSimulator,
} from "./whatsapp/index.js";

/**
 * The built-in sandbox: a Salesforce emulator and a WhatsApp Graph API simulator on loopback,
 * plus the admin calls that wire Tern to them. Shared by `tern demo`, the tests and the benchmarks.
 */
export interface Sandbox {
  sf: SalesforceEmulator;
  wa: WhatsAppSimulator;
  close(): Promise<void>;
}

export async function startSandbox(
  options: {
    tokenLatencyMs?: number;
    salesforce?: Pick<SalesforceEmulatorOptions, "ternKeyField" | "maxRecords">;
  } = {},
): Promise<Sandbox> {
  const sf = await startSalesforceEmulator({ ...options.salesforce, tokenLatencyMs: options.tokenLatencyMs });
  const wa = await startWhatsAppSimulator();
  return {
    sf,
    wa,
    async close() {
      await Promise.all([sf.close(), wa.close()]);
    },
  };
}

export interface Provisioned {
  connectionId: string;
  channelId: string;
  webhookUrl: string;
  flowId: string;
  flowVersion: number;
}

/** Creates the Salesforce connection, the WhatsApp channel and publishes a flow, all via the admin API. */
export async function provisionSandbox(
  api: ApiClient,
  sandbox: Sandbox,
  options: {
    flow?: unknown;
    connectionName?: string;
    channelName?: string;
    /** More Salesforce connection settings (e.g. `exactlyOnce`, `batchWindowMs`). */
    connectionConfig?: Record<string, unknown>;
    /** More WhatsApp channel settings (e.g. `sendRatePerSecond`). */
    channelConfig?: Record<string, unknown>;
  } = {},
): Promise<Provisioned> {
  const creds = sandbox.sf.credentials;
  const connection = (await api.request("POST", "/connections", {
    type: "salesforce",
    name: options.connectionName ?? "salesforce",
    config: {
      loginUrl: creds.loginUrl,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      refreshToken: creds.refreshToken,
      ...options.connectionConfig,
    },
  })) as { id: string };
  const channel = (await api.request("POST", "/channels", {
    type: "whatsapp",
    name: options.channelName ?? "whatsapp",
    config: { ...sandbox.wa.config, ...options.channelConfig },
  })) as { id: string; webhookUrl: string };
  const flowFile = options.flow ?? JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8"));
  const flow = (await api.request("POST", "/flows", flowFile)) as { id: string; version: number };
  await api.request("POST", `/flows/${flow.id}/publish`, { version: flow.version });
  return {
    connectionId: connection.id,
    channelId: channel.id,
    webhookUrl: channel.webhookUrl,
    flowId: flow.id,
    flowVersion: flow.version,
  };
}

/** Plays a WhatsApp customer: each `say` is a signed webhook exactly as Meta would post it. */
export function createCustomer(
  sandbox: Sandbox,
  webhookUrl: string,
  from: string,
  name = "Ada Lovelace",
  /** The customer's clock, for the message timestamps (a test that moves Tern's clock moves this one). */
  now: () => number = Date.now,
) {
  return {
    from,
    async say(text: string, id?: string): Promise<{ status: number; id: string }> {
      const body = buildTextWebhook({ from, text, name, id, timestamp: now() });
      const messages = body.entry[0]?.changes[0]?.value.messages as Array<{ id: string }> | undefined;
      const messageId = messages?.[0]?.id ?? "";
      const response = await postWebhook(webhookUrl, body, sandbox.wa.config.appSecret);
      await response.arrayBuffer();
      return { status: response.status, id: messageId };
    },
    /** Messages Tern sent to this customer so far. */
    received() {
      return sandbox.wa.sent.filter((m) => m.to === from);
    },
    /** Resolves when this customer has received `count` messages in total. */
    async waitForReplies(count: number, timeoutMs = 10_000) {
      await sandbox.wa.waitForSent(
        (m) => m.to === from && sandbox.wa.sent.filter((s) => s.to === from).length >= count,
        timeoutMs,
      );
      return sandbox.wa.sent.filter((m) => m.to === from);
    },
  };
}
