import { randomInt } from "node:crypto";
import { z } from "zod";
import type { InboundMessage, WebhookRequest } from "../channels/channel.js";
import { getChannelDefinition } from "../channels/registry.js";
import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { newId } from "../core/ids.js";
import { MAX_FLOW_VERSION } from "../flows/fields.js";
import { enqueueRun } from "../queue/triggers.js";
import type { FlowService } from "../services/flow-service.js";
import type { Store } from "../store/store.js";
import type { BuiltInSandbox } from "./bootstrap.js";
import type { ChannelSimulator } from "./channel-simulator.js";
import { channelSimulators } from "./simulators.js";

/**
 * Try it: a run of any version of a flow (a draft too) for a customer the sandbox plays, on one of
 * the sandbox's own channels (owner "sandbox"), so a real customer never gets a message from it.
 * The run is queued like the API trigger's (queue/triggers.ts) with the version it must run.
 */
export const TryBody = z
  .strictObject({
    flowId: z.string().min(1).max(200).describe("The flow to try"),
    version: z
      .int()
      .min(1)
      .max(MAX_FLOW_VERSION)
      .optional()
      .describe("The version to run, a draft too (default: the latest)"),
    channel: z
      .string()
      .min(1)
      .max(40)
      .optional()
      .describe(
        `Channel type the customer is on, one the sandbox simulates (${Object.keys(channelSimulators).join(", ")}); ` +
          "default: the first of the flow's message-trigger channels the sandbox has, else whatsapp",
      ),
    from: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:@+=-]+$/, "a customer id on the channel: letters, digits and _ . : @ + = -")
      .optional()
      .describe("The customer's id on the channel (WhatsApp: digits); default a new one"),
    name: z.string().max(100).optional().describe("The customer's display name"),
  })
  .describe("What to try and as whom");
export type TryBody = z.infer<typeof TryBody>;

export interface TryStarted {
  runId: string;
  flowId: string;
  flowVersion: number;
  channel: string;
  from: string;
}

export interface TryDeps {
  store: Store;
  flows: FlowService;
  clock: Clock;
  publicUrl: string;
  notify(keys: string[]): void;
}

/** A fresh customer id valid on the channel: digits (a phone number's shape), LINE's `U` + 32 hex. */
export function newCustomerId(type: string): string {
  if (type === "line") return `U${Array.from({ length: 32 }, () => randomInt(16).toString(16)).join("")}`;
  return `1555${String(randomInt(10_000_000)).padStart(7, "0")}`;
}

/** The channel type to try on: the given one, else the flow's first simulated trigger channel. */
function channelTypeFor(requested: string | undefined, triggerChannels: readonly string[]): string {
  if (requested !== undefined) {
    if (!channelSimulators[requested]) {
      throw new AppError(
        "BAD_REQUEST",
        `channel: no sandbox simulator for "${requested}"; available: ${Object.keys(channelSimulators).join(", ")}`,
      );
    }
    return requested;
  }
  return triggerChannels.find((type) => channelSimulators[type]) ?? "whatsapp";
}

/**
 * Where a message of `from` lands: the address and phone the channel's own parser reads from the
 * simulator's webhook for it (Twilio turns `15551234567` into `+15551234567`). The run must be in
 * that conversation, or the customer's answers would start another one.
 */
function inboundIdentity(
  type: string,
  sim: ChannelSimulator,
  webhookUrl: string,
  from: string,
): { address: string; phone: string | null } {
  const definition = getChannelDefinition(type);
  const built = sim.webhook(webhookUrl, { from, text: "try" });
  const url = new URL(built.url);
  const request: WebhookRequest = {
    method: "POST",
    headers: Object.fromEntries(Object.entries(built.headers).map(([k, v]) => [k.toLowerCase(), v])),
    query: Object.fromEntries(url.searchParams),
    url: built.url,
    rawBody: Buffer.from(built.body),
  };
  try {
    const config = definition?.config.parse(sim.config);
    const parsed = definition?.parse(request, config);
    const message = parsed?.batches
      .flatMap((b) => b.events)
      .find((e): e is InboundMessage => e.kind === "message");
    if (message) return { address: message.from, phone: message.phone ?? null };
  } catch {
    // A simulator whose webhook does not parse alone: the id as given is the best guess.
  }
  return { address: from, phone: null };
}

/** Queues the run; throws FLOW_NOT_FOUND, FLOW_VERSION_NOT_FOUND (404) or BAD_REQUEST. */
export async function startTry(deps: TryDeps, sandbox: BuiltInSandbox, body: TryBody): Promise<TryStarted> {
  const { store, clock } = deps;
  const summary = await store.flows.get(body.flowId);
  if (!summary) throw new AppError("FLOW_NOT_FOUND", `No flow with id "${body.flowId}"`);
  const version = body.version ?? summary.latestVersion;
  if (!(await store.flows.version(body.flowId, version))) {
    throw new AppError(
      "FLOW_VERSION_NOT_FOUND",
      `Flow "${summary.name}" has no version ${version} (latest: ${summary.latestVersion})`,
    );
  }
  const flow = await deps.flows.load(body.flowId, version);
  const type = channelTypeFor(body.channel, flow.trigger.type === "message" ? flow.trigger.channels : []);
  const from = body.from ?? newCustomerId(type);
  if (type === "whatsapp" && !/^\d{6,15}$/.test(from)) {
    throw new AppError("BAD_REQUEST", "from: a WhatsApp number in international format, digits only");
  }
  // Only the sandbox's own channel of this type: Try it never writes to a real customer.
  const { channelId, sim } = await sandbox.channelFor(type);
  const webhookUrl = `${deps.publicUrl.replace(/\/$/, "")}/webhooks/${channelId}`;
  const { address, phone } = inboundIdentity(type, sim, webhookUrl, from);
  // The played customer has found the business already (Viber: subscribed), as one who writes would have.
  sim.meet?.(from);
  const now = clock.now();
  const runId = newId("run", now);
  const { key } = await store.write((tx) =>
    enqueueRun(
      tx,
      channelId,
      {
        runId,
        flowId: body.flowId,
        version,
        source: "try",
        address,
        phone,
        name: body.name ?? "Sandbox customer",
        input: {},
        ifBusy: "replace",
      },
      runId,
      now,
    ),
  );
  if (key) deps.notify([key]);
  return { runId, flowId: body.flowId, flowVersion: version, channel: type, from };
}
