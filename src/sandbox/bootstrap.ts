import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { channelTypes, getChannelDefinition } from "../channels/registry.js";
import { whatsappChannel } from "../channels/whatsapp/index.js";
import { salesforceConnector } from "../connectors/salesforce/index.js";
import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { templatePath } from "../core/paths.js";
import type { FlowService } from "../services/flow-service.js";
import type { Integrations } from "../services/integrations.js";
import type { Store } from "../store/store.js";
import { SIMULATOR_MEMORY } from "./bounded.js";
import type { ChannelSimulator } from "./channel-simulator.js";
import { channelSimulators } from "./simulators.js";
import { type Sandbox, startSandbox } from "./stack.js";
import { asChannelSimulator } from "./whatsapp/channel-simulator.js";

/**
 * Zero-config start: when nothing is configured, Tern wires itself to its built-in Salesforce
 * emulator and WhatsApp simulator (both on loopback, in this process) and publishes the lead
 * template, so `npm start` does its main job at once.
 *
 * The sandbox owns what it creates (`owner = 'sandbox'` on the rows) and re-points those rows at
 * the new emulator ports on every start. The moment a user creates a connection or channel, the
 * same write retires everything the sandbox owns (see `store.sandbox.retire`), then
 * `stepAside()` stops the emulators; while any user-owned integration exists it never starts again.
 */
export interface BuiltInSandbox {
  sandbox: Sandbox;
  channelId: string;
  connectionId: string;
  flowId: string | null;
  /** False once it has stepped aside. */
  isOn(): boolean;
  /**
   * The sandbox channel of `type` and its simulator, started on first use (WhatsApp's, and those
   * of the types a previous start had, run from the start): any flow can be tried on any channel
   * without a phone. Throws SANDBOX_OFF once the
   * sandbox stepped aside, BAD_REQUEST for a type without a simulator.
   */
  channelFor(type: string): Promise<{ channelId: string; sim: ChannelSimulator }>;
  describe(baseUrl: string): string[];
  /** Stops the emulators (after the rows were retired); idempotent. */
  stepAside(): Promise<void>;
  close(): Promise<void>;
}

/** `sandbox.json` written by versions before the `owner` column: the ids the sandbox created. */
interface LegacyMarker {
  connectionId: string;
  channelId: string;
  flowId?: string;
}

const isLoopback = (url: unknown) =>
  typeof url === "string" && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url);

/**
 * Marks the rows an old `sandbox.json` names as sandbox-owned, then removes the file (the column
 * is the record from now on). The old bootstrap let the user take those rows over by pointing
 * them elsewhere, so rows that no longer point at loopback stay the user's.
 */
async function adoptLegacyMarker(store: Store, dataDir: string, log: Logger) {
  const markerPath = path.join(dataDir, "sandbox.json");
  if (!existsSync(markerPath)) return;
  let marker: LegacyMarker | null = null;
  try {
    marker = JSON.parse(readFileSync(markerPath, "utf8")) as LegacyMarker;
  } catch (error) {
    log.warn({ err: error, markerPath }, "sandbox.json is unreadable; leaving its rows to the user");
  }
  const connection = marker ? await store.connections.get(marker.connectionId) : undefined;
  const channel = marker ? await store.channels.get(marker.channelId) : undefined;
  if (
    marker &&
    connection &&
    channel &&
    isLoopback(connection.config.loginUrl) &&
    isLoopback(channel.config.apiBaseUrl)
  ) {
    const ids = marker;
    await store.write((tx) => tx.sandbox.adopt(ids));
  }
  rmSync(markerPath, { force: true });
}

export async function startBuiltInSandbox(deps: {
  store: Store;
  integrations: Integrations;
  flows: FlowService;
  clock: Clock;
  dataDir: string;
  logger: Logger;
  /** `TERN_SANDBOX=on`: start even though it stepped aside before (never next to the user's integrations). */
  isAskedFor?: boolean;
}): Promise<BuiltInSandbox | null> {
  const { store, clock } = deps;
  await adoptLegacyMarker(store, deps.dataDir, deps.logger);

  if (await store.sandbox.hasUserIntegrations()) {
    // A data dir from before the step-aside could hold both; retire the sandbox's rows now, and
    // (data dirs of before the mark) remember that it stepped aside.
    const left = await store.sandbox.owned();
    await store.write(async (tx) => {
      if (left.connectionIds.length + left.channelIds.length + left.flowIds.length > 0)
        await tx.sandbox.retire(clock.now());
      await tx.sandbox.markSteppedAside(clock.now());
    });
    deps.integrations.invalidate();
    return null;
  }
  // Stepped aside once, for integrations of the user's since deleted: it does not come back by
  // itself, or the user's published flows (API, webhook and schedule runs too) would run against
  // the emulated org, their data lost at the next restart.
  const steppedAsideAt = await store.sandbox.steppedAsideAt();
  if (steppedAsideAt !== null) {
    if (!deps.isAskedFor) return null;
    await store.write((tx) => tx.sandbox.clearSteppedAside());
  }

  // It runs as long as the server does: its org keeps as many records as a simulator keeps sends.
  const sandbox = await startSandbox({ salesforce: { maxRecords: SIMULATOR_MEMORY } });
  const creds = sandbox.sf.credentials;
  const connectionConfig = {
    loginUrl: creds.loginUrl,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    refreshToken: creds.refreshToken,
  };
  const now = clock.now();
  const owned = await store.sandbox.owned();
  const connection = owned.connectionIds[0] ? await store.connections.get(owned.connectionIds[0]) : undefined;
  const ownedChannels = await Promise.all(owned.channelIds.map((id) => store.channels.get(id)));
  const channel = ownedChannels.find((c) => c?.type === "whatsapp");
  let ids: { connectionId: string; channelId: string; flowId: string | null };
  if (connection && channel) {
    // New emulator ports and credentials on every start; cached tokens belong to the old org.
    await store.write(async (tx) => {
      await tx.connections.update(
        { ...connection, config: { ...connection.config, ...connectionConfig }, updatedAt: now },
        salesforceConnector.secretFields,
      );
      await tx.channels.update(
        { ...channel, config: { ...sandbox.wa.config }, updatedAt: now },
        whatsappChannel.secretFields,
      );
      await tx.tokens.clear(connection.id);
    });
    ids = { connectionId: connection.id, channelId: channel.id, flowId: owned.flowIds[0] ?? null };
  } else {
    ids = await createSandboxRows(deps, sandbox, connectionConfig);
  }
  deps.integrations.invalidate();

  let isOn = true;
  const channels = new Map<string, Promise<{ channelId: string; sim: ChannelSimulator }>>([
    ["whatsapp", Promise.resolve({ channelId: ids.channelId, sim: asChannelSimulator(sandbox.wa) })],
  ]);
  const stop = async () => {
    if (!isOn) return;
    isOn = false;
    sandbox.wa.deliverStatusesTo(null);
    const others = [...channels.entries()].filter(([type]) => type !== "whatsapp");
    await Promise.all(
      others.map(([, started]) => started.then(({ sim }) => sim.close()).catch(() => undefined)),
    );
    await sandbox.close();
  };
  const startChannel = async (type: string) => {
    const start = channelSimulators[type];
    const definition = getChannelDefinition(type);
    if (!start || !definition) {
      throw new AppError(
        "BAD_REQUEST",
        `No sandbox simulator for channel type "${type}"; available: ${Object.keys(channelSimulators).join(", ")}`,
      );
    }
    const sim = await start();
    try {
      const now = clock.now();
      const channelId = await store.write(async (tx) => {
        if (!isOn || (await tx.sandbox.hasUserIntegrations())) {
          throw new AppError("SANDBOX_OFF", "Sandbox is off: a real channel or connection is configured");
        }
        const mine = (await tx.sandbox.owned()).channelIds;
        for (const id of mine) {
          const row = await tx.channels.get(id);
          if (row?.type !== type) continue;
          // New simulator port and secrets on every start.
          await tx.channels.update(
            { ...row, config: { ...sim.config }, updatedAt: now },
            definition.secretFields,
          );
          return row.id;
        }
        const id = newId("ch", now);
        await tx.channels.insert(
          {
            id,
            type,
            name: `${definition.title} sandbox`,
            config: { ...sim.config },
            owner: "sandbox",
            createdAt: now,
            updatedAt: now,
          },
          definition.secretFields,
        );
        return id;
      });
      deps.integrations.invalidate();
      return { channelId, sim };
    } catch (error) {
      await sim.close();
      throw error;
    }
  };
  const builtIn: BuiltInSandbox = {
    sandbox,
    ...ids,
    isOn: () => isOn,
    channelFor(type) {
      if (!isOn) return Promise.reject(new AppError("SANDBOX_OFF", "Sandbox is off"));
      let started = channels.get(type);
      if (!started) {
        started = startChannel(type);
        channels.set(type, started);
        // A failed start is not cached: the next call tries again.
        started.catch(() => channels.delete(type));
      }
      return started;
    },
    describe: (baseUrl) => [
      "",
      "Sandbox: nothing else is configured, so Tern is wired to its built-in Salesforce emulator",
      `  (${sandbox.sf.url}) and WhatsApp simulator (${sandbox.wa.url}), with the lead template published.`,
      "  Play a customer (admin token as above):",
      `    curl -X POST ${baseUrl}/api/v1/sandbox/messages -H "authorization: Bearer $TOKEN" \\`,
      `         -H "content-type: application/json" -d '{"from":"15551234567","text":"Hi"}'`,
      `  See what the customer got and the Leads: GET ${baseUrl}/api/v1/sandbox/conversations/15551234567`,
      "  Creating your own connection or channel retires the sandbox, also once yours are deleted (TERN_SANDBOX=on brings it back; =off keeps it off).",
    ],
    async stepAside() {
      if (!isOn) return;
      await stop();
      deps.logger.info("a real integration was created: the built-in sandbox stepped aside");
    },
    close: stop,
  };
  // Its channels of other types still point at the previous process's simulators: started again
  // now, not when next played, or a send no customer message causes (a wait's follow-up, a
  // question's timeout) goes to a dead port and the conversation stalls there.
  const others = new Set(ownedChannels.flatMap((c) => (c && c.type !== "whatsapp" ? [c.type] : [])));
  for (const type of others) {
    await builtIn.channelFor(type).catch((err: unknown) => {
      deps.logger.warn({ err, type }, "the sandbox could not start its simulator for this channel");
    });
  }
  return builtIn;
}

/** First start: the sandbox's connection, channel and published lead flow, in one write. */
async function createSandboxRows(
  deps: { store: Store; flows: FlowService; clock: Clock },
  sandbox: Sandbox,
  connectionConfig: Record<string, unknown>,
) {
  const { store, clock } = deps;
  const now = clock.now();
  const template = JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8")) as Record<
    string,
    unknown
  >;
  // The sandbox's copy answers on every channel type, so each can be tried at once.
  const definition: unknown = {
    ...template,
    trigger: { type: "message", channels: Object.keys(channelTypes) },
  };
  const flow = deps.flows.validate(definition).flow;
  if (!flow) throw new Error("The shipped lead template is invalid");
  const ids = { connectionId: newId("conn", now), channelId: newId("ch", now), flowId: newId("flow", now) };
  await store.write(async (tx) => {
    // Leftovers of a half-removed sandbox (a user deleted one of its rows) go first.
    await tx.sandbox.retire(now);
    await tx.connections.insert(
      {
        id: ids.connectionId,
        type: "salesforce",
        name: "salesforce",
        config: connectionConfig,
        owner: "sandbox",
        createdAt: now,
        updatedAt: now,
      },
      salesforceConnector.secretFields,
    );
    await tx.channels.insert(
      {
        id: ids.channelId,
        type: "whatsapp",
        name: "WhatsApp sandbox",
        config: { ...sandbox.wa.config },
        owner: "sandbox",
        createdAt: now,
        updatedAt: now,
      },
      whatsappChannel.secretFields,
    );
    await tx.flows.create(ids.flowId, flow.name, definition, now, "sandbox");
    await tx.flows.publish(ids.flowId, 1, now);
  });
  return ids;
}
