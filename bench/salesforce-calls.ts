import { readFileSync } from "node:fs";
import { templatePath } from "../src/core/paths.js";
import type { SentMessage } from "../src/sandbox/whatsapp/index.js";
import type { Figure } from "./figures.js";
import { createClient } from "./load.js";
import type { BenchContext } from "./scenarios.js";
import { startBenchStack } from "./stack.js";

/**
 * `sf-calls` (issue 7): Salesforce API calls per created Lead when 1, 50 and 500 conversations
 * answer their last question at the same moment (the lead template, the emulator at 0 ms), and a
 * lone conversation's last message → Lead confirmed. Creates that wait together go as one sObject
 * Collections request (src/connectors/salesforce/create/coalescer.ts); a lone one goes at once.
 * Calls are the emulator's data API count (what the org's daily allocation counts).
 */
const LONE_CONVERSATIONS = 20;

const phone = (prefix: number, i: number) => `${prefix}${String(i).padStart(7, "0")}`;

/** Resolves when a recipient has been sent its n-th message. */
function replies(onSent: (l: (m: SentMessage) => void) => () => void) {
  const counts = new Map<string, number>();
  const waiters: Array<{ to: string; n: number; resolve: (at: number) => void }> = [];
  const off = onSent((m) => {
    const n = (counts.get(m.to) ?? 0) + 1;
    counts.set(m.to, n);
    for (const w of waiters.filter((x) => x.to === m.to && x.n <= n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(performance.now());
    }
  });
  return {
    wait(to: string, n: number): Promise<number> {
      if ((counts.get(to) ?? 0) >= n) return Promise.resolve(performance.now());
      return new Promise((resolve) => waiters.push({ to, n, resolve }));
    },
    off,
  };
}

export async function salesforceCalls(ctx: BenchContext): Promise<Figure[]> {
  const flow = JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8"));
  const stack = await startBenchStack({ flow, cpus: ctx.cpus });
  const client = createClient(stack.tern.url);
  const sent = replies(stack.sandbox.wa.onSent);
  const sf = stack.sandbox.sf;
  /** Statuses of webhooks that had to be delivered again (0: the connection failed). */
  const refused: number[] = [];
  /** Posts a message; a refused one is delivered again, as Meta redelivers (a burst can meet a full backlog). */
  const say = async (from: string, text: string) => {
    const request = stack.webhook(from, text);
    const statuses: number[] = [];
    const note = () => {
      if (statuses.length > 0) refused.push(...statuses);
    };
    for (let attempt = 0; attempt < 10; attempt++) {
      const status = await client.post(request);
      if (status === 200) return note();
      statuses.push(status);
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
    throw new Error(`webhook from ${from} refused: ${statuses.join(", ")}`);
  };
  /** Brings a conversation to the company question. */
  const upToCompany = async (from: string, i: number) => {
    await say(from, "hi");
    await sent.wait(from, 1);
    await say(from, `Person ${i}`);
    await sent.wait(from, 2);
  };
  /** n conversations answer their last question at once: API calls per Lead created. */
  const callsPerLead = async (n: number, prefix: number) => {
    const froms = Array.from({ length: n }, (_, i) => phone(prefix, i));
    await Promise.all(froms.map((from, i) => upToCompany(from, i)));
    const calls = sf.apiUsage;
    const leads = sf.records("Lead").length;
    await Promise.all(froms.map(async (from, i) => say(from, `Company ${i}`)));
    await Promise.all(froms.map((from) => sent.wait(from, 3)));
    const created = sf.records("Lead").length - leads;
    return { perLead: (sf.apiUsage - calls) / created, calls: sf.apiUsage - calls, created };
  };
  try {
    // Warm-up: the token, Lead's describe, keep-alive connections, JIT.
    for (let i = 0; i < 5; i++) {
      const from = phone(7000, i);
      await upToCompany(from, i);
      await say(from, "Warm");
      await sent.wait(from, 3);
    }
    // A lone conversation, one after the other: its last message → the confirmation with the Lead id.
    const latencies: number[] = [];
    const lone = { calls: sf.apiUsage, leads: sf.records("Lead").length, byEndpoint: sf.apiCalls };
    for (let i = 0; i < LONE_CONVERSATIONS; i++) {
      const from = phone(7100, i);
      await upToCompany(from, i);
      const at = performance.now();
      await say(from, `Company ${i}`);
      latencies.push((await sent.wait(from, 3)) - at);
    }
    const loneCalls = sf.apiUsage - lone.calls;
    const loneLeads = sf.records("Lead").length - lone.leads;
    const loneEndpoints = callsSince(lone.byEndpoint, sf.apiCalls);
    const fifty = await callsPerLead(50, 7200);
    const fiveHundred = await callsPerLead(500, 7300);
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)] ?? Number.NaN;
    const figure = (n: number, r: { perLead: number; calls: number; created: number }, target: number) => ({
      name: `Salesforce API calls per Lead, ${n} conversations answering at once`,
      value: r.perLead,
      unit: "calls/Lead",
      target: `≤ ${target}`,
      isMet: r.perLead <= target && r.created === n,
      note: `${r.calls} calls for ${r.created} Leads${n === 500 && refused.length > 0 ? `; ${refused.length} webhooks delivered again (${[...new Set(refused)].join(", ")})` : ""}`,
    });
    return [
      {
        name: "Salesforce API calls per Lead, 1 conversation at a time",
        value: loneCalls / loneLeads,
        unit: "calls/Lead",
        target: "≤ 1",
        isMet: loneCalls / loneLeads <= 1 && loneLeads === LONE_CONVERSATIONS,
        note: `${loneCalls} calls for ${loneLeads} Leads (${loneEndpoints})`,
      },
      figure(50, fifty, 1),
      figure(500, fiveHundred, 0.05),
      {
        name: `lone conversation: last message → Lead confirmed, median of ${LONE_CONVERSATIONS}`,
        value: median,
        unit: "ms",
        target: "≤ 100",
        isMet: median <= 100,
        note: `max ${(latencies.at(-1) ?? Number.NaN).toFixed(1)} ms`,
      },
    ];
  } finally {
    sent.off();
    client.close();
    await stack.close();
  }
}

/** The data API calls made since `before`, by endpoint: "create 20, describe 1". */
function callsSince(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): string {
  return Object.entries(after)
    .map(([endpoint, n]) => [endpoint, n - (before[endpoint] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([endpoint, n]) => `${endpoint} ${n}`)
    .join(", ");
}
