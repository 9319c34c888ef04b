import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { whatsappChannel } from "../channels/whatsapp/index.js";
import { salesforceConnector } from "../connectors/salesforce/index.js";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { templatePath } from "../core/paths.js";
import type { FlowService } from "../services/flow-service.js";
import type { Integrations } from "../services/integrations.js";
import type { Store } from "../store/store.js";
import { type Sandbox, startSandbox } from "./stack.js";

/**
 * Zero-config start: when nothing is configured, Tern wires itself to its built-in Salesforce
 * emulator and WhatsApp simulator (both on loopback, in this process) and publishes the lead
 * template, so `npm start` does its main job at once. The rows it creates are remembered in
 * `sandbox.json`; on later starts they are re-pointed at the new emulator ports. Once a user
 * points them elsewhere or configures their own, the sandbox stays off.
 */
export interface BuiltInSandbox {
  sandbox: Sandbox;
  channelId: string;
  connectionId: string;
  flowId: string;
  describe(baseUrl: string): string[];
  close(): Promise<void>;
}

interface Marker {
  connectionId: string;
  channelId: string;
  flowId: string;
}

const isLoopback = (url: unknown) =>
  typeof url === "string" && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url);

export async function startBuiltInSandbox(deps: {
  store: Store;
  integrations: Integrations;
  flows: FlowService;
  clock: Clock;
  dataDir: string;
  logger: Logger;
}): Promise<BuiltInSandbox | null> {
  const { store, clock } = deps;
  const markerPath = path.join(deps.dataDir, "sandbox.json");
  let marker: Marker | null = existsSync(markerPath)
    ? (JSON.parse(readFileSync(markerPath, "utf8")) as Marker)
    : null;
  const connection = marker ? store.connections.get(marker.connectionId) : undefined;
  const channel = marker ? store.channels.get(marker.channelId) : undefined;
  const isStillSandbox =
    connection && channel && isLoopback(connection.config.loginUrl) && isLoopback(channel.config.apiBaseUrl);
  const isEmpty = store.connections.list().length === 0 && store.channels.list().length === 0;
  if (!isStillSandbox && !isEmpty) return null;

  const sandbox = await startSandbox();
  const creds = sandbox.sf.credentials;
  const connectionConfig = {
    loginUrl: creds.loginUrl,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    refreshToken: creds.refreshToken,
  };
  const now = clock.now();
  if (isStillSandbox && marker && connection && channel) {
    // New emulator ports and credentials on every start; cached tokens belong to the old org.
    await store.write(() => {
      store.connections.update(
        { ...connection, config: { ...connection.config, ...connectionConfig }, updatedAt: now },
        salesforceConnector.secretFields,
      );
      store.channels.update(
        { ...channel, config: { ...sandbox.wa.config }, updatedAt: now },
        whatsappChannel.secretFields,
      );
      store.tokens.clear(connection.id);
    });
  } else {
    const created: Marker = { connectionId: newId("conn", now), channelId: newId("ch", now), flowId: "" };
    await store.write(() => {
      store.connections.insert(
        {
          id: created.connectionId,
          type: "salesforce",
          name: "salesforce",
          config: connectionConfig,
          createdAt: now,
          updatedAt: now,
        },
        salesforceConnector.secretFields,
      );
      store.channels.insert(
        {
          id: created.channelId,
          type: "whatsapp",
          name: "WhatsApp sandbox",
          config: { ...sandbox.wa.config },
          createdAt: now,
          updatedAt: now,
        },
        whatsappChannel.secretFields,
      );
    });
    const flow = await deps.flows.create(
      JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8")),
    );
    await deps.flows.publish(flow.id, flow.version);
    created.flowId = flow.id;
    marker = created;
    writeFileSync(markerPath, `${JSON.stringify(marker, null, 2)}\n`);
  }
  deps.integrations.invalidate();
  const { channelId, connectionId, flowId } = marker;
  return {
    sandbox,
    channelId,
    connectionId,
    flowId,
    describe: (baseUrl) => [
      "",
      "Sandbox: nothing else is configured, so Tern is wired to its built-in Salesforce emulator",
      `  (${sandbox.sf.url}) and WhatsApp simulator (${sandbox.wa.url}), with the lead template published.`,
      "  Play a customer (admin token as above):",
      `    curl -X POST ${baseUrl}/api/v1/sandbox/messages -H "authorization: Bearer $TOKEN" \\`,
      `         -H "content-type: application/json" -d '{"from":"15551234567","text":"Hi"}'`,
      `  See what the customer got and the Leads: GET ${baseUrl}/api/v1/sandbox/conversations/15551234567`,
      "  Configure a real channel and connection and the sandbox stays off (TERN_SANDBOX=off forces it).",
    ],
    close: () => sandbox.close(),
  };
}
