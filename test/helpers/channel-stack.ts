import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { templatePath } from "../../src/core/paths.js";
import type { ChannelSimulator } from "../../src/sandbox/channel-simulator.js";
import type { SandboxedTernOptions } from "../../src/sandbox/sandboxed-tern.js";
import { channelSimulators } from "../../src/sandbox/simulators.js";
import { rowCounts } from "./db-inspect.js";
import { type Stack, startStack } from "./in-process.js";

/**
 * Tern in this process with the Salesforce emulator and one channel of `type` wired to that
 * channel's simulator through the admin API (POST /channels, as a user would), and `flow`
 * published. For the end-to-end test of each channel.
 */
export interface ChannelStack {
  stack: Stack;
  sim: ChannelSimulator;
  channelId: string;
  webhookUrl: string;
  /** The POST /channels answer (webhookUrl, setup report, public config). */
  created: Record<string, unknown>;
  close(): Promise<void>;
}

export async function startChannelStack(
  type: string,
  options: SandboxedTernOptions & {
    flow?: unknown;
    config?: Record<string, unknown>;
    /** Another simulator for `type` than the registered one (e.g. WeChat in plain mode). */
    simulator?: () => Promise<ChannelSimulator>;
  } = {},
): Promise<ChannelStack> {
  const start = options.simulator ?? channelSimulators[type];
  if (!start) throw new Error(`no simulator for channel type "${type}" in src/sandbox/simulators.ts`);
  const sim = await start();
  const stack = await startStack({ ...options, flow: options.flow ?? leadFlowFor(type) }).catch(
    async (error: unknown) => {
      await sim.close();
      throw error;
    },
  );
  const close = async () => {
    await stack.close();
    await sim.close();
  };
  try {
    const response = await stack.http("POST", "/api/v1/channels", {
      type,
      name: `${type}-e2e`,
      config: { ...sim.config, ...options.config },
    });
    const created = (await response.json()) as Record<string, unknown>;
    if (response.status !== 201)
      throw new Error(`POST /channels ${response.status}: ${JSON.stringify(created)}`);
    return {
      stack,
      sim,
      channelId: String(created.id),
      webhookUrl: String(created.webhookUrl),
      created,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The shipped lead template, triggered by `type` instead of WhatsApp. */
export function leadFlowFor(type: string): Record<string, unknown> {
  const flow = JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8")) as Record<
    string,
    unknown
  >;
  return { ...flow, name: `Lead capture (${type})`, trigger: { type: "message", channels: [type] } };
}

/** Tern's rows that a delivery would add (inbox, runs, contacts, messages, rejected items). */
export async function deliveryRows(env: ChannelStack): Promise<Record<string, number>> {
  const counts = await rowCounts(env.stack.database);
  return Object.fromEntries(
    Object.entries(counts).filter(([t]) => /inbox|run|contact|message|rejected/.test(t)),
  );
}

/** The runs the admin API lists. */
export async function runsOf(env: ChannelStack): Promise<unknown[]> {
  return ((await (await env.stack.http("GET", "/api/v1/runs")).json()) as { items: unknown[] }).items;
}

/**
 * The lead template played by customer `from` through the channel's simulator: "Hi", a name, a
 * company. Resolves with the confirmation the simulator captured and the one Lead it names.
 */
export async function playLeadConversation(env: ChannelStack, from: string, company = "Navy") {
  const first = await env.sim.say(env.webhookUrl, { from, text: "Hi" });
  if (first.status !== 200) throw new Error(`the first webhook got ${first.status}: ${first.body}`);
  await env.sim.waitForSent((s) => s.to === from && s.text.includes("name"));
  await env.sim.say(env.webhookUrl, { from, text: "Grace Hopper" });
  await env.sim.waitForSent((s) => s.to === from && s.text.includes("company"));
  await env.sim.say(env.webhookUrl, { from, text: company });
  const confirmation = await env.sim.waitForSent((s) => s.to === from && s.text.includes("reference"));
  const leads = env.stack.sandbox.sf.records("Lead").filter((l) => l.Company === company);
  return { confirmation, leads };
}

/**
 * For providers that keep one webhook per bot (Telegram, Viber): a second channel of the same bot
 * is refused (409) and takes nothing; deleting the channel removes the webhook. `registeredUrl`
 * reads the simulator's current registration.
 */
export async function expectOneChannelPerBot(
  env: ChannelStack,
  registeredUrl: () => string | null | undefined,
): Promise<void> {
  const second = await env.stack.http("POST", "/api/v1/channels", {
    type: String(env.created.type),
    name: "same bot",
    config: env.sim.config,
  });
  expect(second.status).toBe(409);
  expect(await second.text()).not.toContain(String(env.sim.config.authToken ?? env.sim.config.botToken));
  expect(registeredUrl()).toBe(env.webhookUrl);
  expect((await env.stack.http("DELETE", `/api/v1/channels/${env.channelId}`)).status).toBe(204);
  expect(registeredUrl() ?? null).toBeNull();
}
