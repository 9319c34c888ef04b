import type { ChannelSimulator, SimulatedSend } from "../../src/sandbox/channel-simulator.js";
import type { SandboxedTernOptions } from "../../src/sandbox/sandboxed-tern.js";
import { channelSimulators } from "../../src/sandbox/simulators.js";
import { asChannelSimulator } from "../../src/sandbox/whatsapp/channel-simulator.js";
import type { RunRow } from "../../src/store/repos/run-repo.js";
import { publishFlow, type Stack, startStack } from "./in-process.js";

/**
 * One Tern for a file of flow-language tests: the sandbox's WhatsApp channel and, on request,
 * more channels wired to their simulators through the admin API, with several flows published
 * (each test's flow starts by its own keyword). A customer is a simulator and an address.
 */
export interface FlowStack {
  stack: Stack;
  /** Publishes a flow file through the admin API (POST /flows, then publish). */
  publish(flow: unknown): Promise<{ id: string; version: number }>;
  /** A customer on a channel type ("whatsapp" is the sandbox's own). */
  customer(from: string, type?: string): FlowCustomer;
  close(): Promise<void>;
}

export interface FlowCustomer {
  from: string;
  say(text: string, choice?: { id: string; title: string }): Promise<void>;
  /** Resolves once this customer has received `count` messages; returns all of them. */
  replies(count: number, timeoutMs?: number): Promise<SimulatedSend[]>;
  received(): SimulatedSend[];
  /** This customer's runs, newest first. */
  runs(): Promise<RunRow[]>;
}

export async function startFlowStack(
  flows: unknown[],
  options: SandboxedTernOptions & { channels?: string[] } = {},
): Promise<FlowStack> {
  const [first, ...rest] = flows;
  const stack = await startStack({ ...options, flow: first });
  const channels = new Map<string, { sim: ChannelSimulator; webhookUrl: string }>([
    ["whatsapp", { sim: asChannelSimulator(stack.sandbox.wa), webhookUrl: stack.setup.webhookUrl }],
  ]);
  const extra: ChannelSimulator[] = [];
  const close = async () => {
    await stack.close();
    for (const sim of extra) await sim.close();
  };
  const publish = (flow: unknown) => publishFlow(stack, flow);
  try {
    for (const flow of rest) await publish(flow);
    for (const type of options.channels ?? []) {
      const start = channelSimulators[type];
      if (!start) throw new Error(`no simulator for channel type "${type}"`);
      const sim = await start();
      extra.push(sim);
      const created = (await stack.api.request("POST", "/channels", {
        type,
        name: `${type}-flows`,
        config: sim.config,
      })) as { webhookUrl: string };
      channels.set(type, { sim, webhookUrl: created.webhookUrl });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    stack,
    publish,
    customer(from, type = "whatsapp") {
      const channel = channels.get(type);
      if (!channel) throw new Error(`no ${type} channel in this stack`);
      const { sim, webhookUrl } = channel;
      const received = () => sim.sent.filter((s) => s.to === from);
      return {
        from,
        async say(text, choice) {
          const answer = await sim.say(webhookUrl, { from, text, ...(choice && { choice }) });
          if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
        },
        // Generous: a test returns as soon as the replies are there; a loaded CI machine (two files at
        // a time on two cores) can take seconds longer than the flow's own timers.
        async replies(count, timeoutMs = 15_000) {
          await sim.waitForSent(() => received().length >= count, timeoutMs);
          return received();
        },
        received,
        async runs() {
          const all = await stack.tern.store.runs.list({ limit: 1_000 });
          return all.filter((r) => r.conversationKey.endsWith(`:${from}`));
        },
      };
    },
    close,
  };
}

/** A flow file started on WhatsApp (and `channels`) by `keyword`. */
export function keywordFlow(
  keyword: string,
  steps: unknown[],
  channels = ["whatsapp"],
): Record<string, unknown> {
  return {
    schema: "tern.flow/v1",
    name: `${keyword} flow`,
    trigger: { type: "message", channels, keywords: [keyword] },
    steps,
  };
}
