import { readFileSync } from "node:fs";
import { templatePath } from "../src/core/paths.js";
import type { SentMessage } from "../src/sandbox/whatsapp/index.js";
import { type Figure, isRateMet } from "./figures.js";
import { closedLoop, createClient, openLoop, type PreparedRequest, percentile } from "./load.js";
import { type BenchStack, startBenchStack } from "./stack.js";

/**
 * How a scenario runs: `cpus` pins Tern (see pinning.ts); `postgres` (a server URL) runs Tern on
 * a fresh PostgreSQL database of that server instead of SQLite, as `serve --no-worker` plus
 * `tern worker` processes.
 */
export interface BenchContext {
  cpus?: string;
  postgres?: string;
}

/** Issue 6's targets on PostgreSQL. */
export const PG_TARGETS = { ackPerSec: 3_000, pipelinePerSec: 800, leadP99Ms: 75 };
/** The pipeline load above the target: where 1 and 2 workers are compared. */
export const PG_PIPELINE_RATES = [800, 2_000];
export const pgPipelineFigureName = (workers: number, rate: number) =>
  `PostgreSQL full pipeline, ${workers} worker${workers === 1 ? "" : "s"}, ${rate.toLocaleString("en")}/s offered for 5 s`;

const peakRssFigure = (load: string, peakMb: number): Figure => ({
  name: `peak RSS during the ${load} loads`,
  value: peakMb,
  unit: "MB",
  target: "≤ 150",
  isMet: peakMb <= 150,
  note: "sampled every 100 ms",
});

const leadFlow = () => JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8"));
const echoFlow = {
  schema: "tern.flow/v1",
  name: "Echo",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "echo", type: "send", text: "Got it: {{ message.text }}" }],
};

const phone = (prefix: number, i: number) => `${prefix}${String(i).padStart(7, "0")}`;

/** Resolves per recipient when the simulator accepts the n-th message to it. */
function replyWatcher(onSent: (l: (m: SentMessage) => void) => () => void) {
  const counts = new Map<string, number>();
  const waiters = new Map<string, Array<{ n: number; resolve: (t: number) => void }>>();
  const off = onSent((m) => {
    const n = (counts.get(m.to) ?? 0) + 1;
    counts.set(m.to, n);
    const list = waiters.get(m.to);
    if (!list) return;
    for (const w of list.filter((x) => x.n <= n)) w.resolve(performance.now());
    waiters.set(
      m.to,
      list.filter((x) => x.n > n),
    );
  });
  return {
    count: (to: string) => counts.get(to) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    wait(to: string, n: number): Promise<number> {
      if ((counts.get(to) ?? 0) >= n) return Promise.resolve(performance.now());
      return new Promise((resolve) => {
        const list = waiters.get(to) ?? [];
        list.push({ n, resolve });
        waiters.set(to, list);
      });
    },
    off,
  };
}

export async function durableAck(ctx: BenchContext): Promise<Figure[]> {
  const pg = ctx.postgres !== undefined;
  const prefix = pg ? "PostgreSQL " : "";
  const target = pg ? PG_TARGETS.ackPerSec : 10_000;
  const stack = await startBenchStack({ noWorker: true, cpus: ctx.cpus, postgres: ctx.postgres });
  const client = createClient(stack.tern.url);
  try {
    // Signed bodies are built before the clock starts, so the generator spends its CPU on sending.
    const prebuilt = (base: number, n: number) =>
      Array.from({ length: n }, (_, i) => stack.webhook(phone(base, i), "hello"));
    const fire = (requests: PreparedRequest[]) => async (i: number) =>
      (await client.post(requests[i % requests.length]!)) === 200;
    const maxRequests = prebuilt(3200, 60_000);
    const sustained5k = prebuilt(3300, 25_000);
    const at1kRequests = prebuilt(3400, 5_000);
    await closedLoop(32, 1_000, fire(prebuilt(3100, 5_000))); // warm-up
    const peakRss = stack.sampleRss();
    const cpuPer = stack.cpuMeter();
    const pgCpuPer = stack.postgresCpuMeter();
    const max = await closedLoop(64, 5_000, fire(maxRequests));
    const cpuUs = cpuPer(max.ok) * 1_000;
    const pgCpuUs = pgCpuPer(max.ok) * 1_000;
    const sustained = await openLoop(5_000, 5_000, fire(sustained5k));
    const at1k = await openLoop(1_000, 5_000, fire(at1kRequests));
    const peakMb = peakRss();
    return [
      {
        name: `${prefix}durable ack, max (64 in flight, 5 s)`,
        value: max.perSec,
        unit: "webhooks/s",
        target: `≥ ${target.toLocaleString("en")}`,
        isMet: max.perSec >= target && max.errors === 0,
        note: `${max.errors} errors; ${cpuUs.toFixed(0)} µs Tern CPU/webhook${pg ? ` + ${pgCpuUs.toFixed(0)} µs PostgreSQL` : ""}`,
      },
      {
        name: `${prefix}durable ack, 5,000/s offered for 5 s`,
        value: sustained.achievedPerSec,
        unit: "webhooks/s",
        target: pg ? `≥ ${target.toLocaleString("en")}` : "≥ 99 % of offered",
        isMet: isRateMet(sustained.achievedPerSec, 5_000, target) && sustained.errors === 0,
        note: `p50 ${sustained.p50.toFixed(1)} ms, p99 ${sustained.p99.toFixed(1)} ms, ${sustained.errors} errors`,
      },
      {
        name: `${prefix}durable ack p99 at 1,000/s offered`,
        value: at1k.p99,
        unit: "ms",
        target: "≤ 10",
        isMet: at1k.p99 <= 10,
        note: `p50 ${at1k.p50.toFixed(2)} ms, max ${at1k.max.toFixed(1)} ms`,
      },
      ...(pg ? [] : [peakRssFigure("ack", peakMb)]),
    ];
  } finally {
    client.close();
    await stack.close();
  }
}

export function pipeline(ctx: BenchContext): Promise<Figure[]> {
  return runPipeline(ctx, 0);
}

/** The pipeline on PostgreSQL: `serve --no-worker` and `workers` `tern worker` processes. */
export const pgPipeline =
  (workers: number) =>
  (ctx: BenchContext): Promise<Figure[]> =>
    runPipeline(ctx, workers);

async function runPipeline(ctx: BenchContext, workers: number): Promise<Figure[]> {
  const pg = ctx.postgres !== undefined;
  const stack = await startBenchStack({
    flow: echoFlow,
    cpus: ctx.cpus,
    postgres: ctx.postgres,
    noWorker: pg,
    workers,
  });
  const client = createClient(stack.tern.url);
  const replies = replyWatcher(stack.sandbox.wa.onSent);
  const target = pg ? PG_TARGETS.pipelinePerSec : 1_000;
  try {
    const figures: Figure[] = [];
    // Warm-up (JIT, keep-alive connections), not measured.
    await openLoop(
      300,
      2_000,
      async (i) => (await client.post(stack.webhook(phone(4100, i), "warm"))) === 200,
    );
    const warmDeadline = performance.now() + 10_000;
    while (replies.total() < 600 && performance.now() < warmDeadline)
      await new Promise((r) => setTimeout(r, 5));
    const peakRss = stack.sampleRss();
    for (const rate of pg ? PG_PIPELINE_RATES : [1_000, 1_500]) {
      const base = 4000 + rate;
      const before = replies.total();
      const start = performance.now();
      const cpuPer = stack.cpuMeter();
      const pgCpuPer = stack.postgresCpuMeter();
      const load = await openLoop(
        rate,
        5_000,
        async (i) => (await client.post(stack.webhook(phone(base, i), "ping"))) === 200,
      );
      const expected = load.ok;
      const deadline = performance.now() + 60_000;
      while (replies.total() - before < expected && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      const elapsedS = (performance.now() - start) / 1000;
      const done = replies.total() - before;
      const perSec = done / elapsedS;
      const cpu = `${cpuPer(done).toFixed(2)} ms Tern CPU${pg ? ` + ${pgCpuPer(done).toFixed(2)} ms PostgreSQL` : ""}/message`;
      figures.push({
        name: pg
          ? pgPipelineFigureName(workers, rate)
          : `full pipeline, ${rate.toLocaleString("en")}/s offered for 5 s`,
        value: perSec,
        unit: "messages/s",
        target: rate <= target ? "≥ 99 % of offered" : `≥ ${target.toLocaleString("en")}`,
        isMet: isRateMet(perSec, rate, target) && done === expected && load.errors === 0,
        note: `${done}/${expected} replies, ingest p99 ${load.p99.toFixed(1)} ms; ${cpu}`,
      });
    }
    const peakMb = peakRss();
    if (!pg) figures.push(peakRssFigure("pipeline", peakMb));
    return figures;
  } finally {
    replies.off();
    client.close();
    await stack.close();
  }
}

/** The lead bench's rate, and its warm-up: 2 s at that rate. */
const LEAD_PER_SEC = Number(process.env.TERN_BENCH_LEAD_RATE ?? 100);
const WARM_UP_CONVERSATIONS = 2 * LEAD_PER_SEC;

export async function leadLatency(ctx: BenchContext): Promise<Figure[]> {
  const pg = ctx.postgres !== undefined;
  const target = pg ? PG_TARGETS.leadP99Ms : 20;
  // PostgreSQL: one `tern worker` runs the flows.
  const stack = await startBenchStack({
    flow: leadFlow(),
    cpus: ctx.cpus,
    postgres: ctx.postgres,
    noWorker: pg,
    workers: pg ? 1 : 0,
  });
  const client = createClient(stack.tern.url);
  const replies = replyWatcher(stack.sandbox.wa.onSent);
  const latencies: number[] = [];
  try {
    const conversation = async (i: number) => {
      const from = phone(5500, i);
      const say = async (text: string) => (await client.post(stack.webhook(from, text))) === 200;
      if (!(await say("hi"))) return false;
      await replies.wait(from, 1);
      if (!(await say(`Person ${i}`))) return false;
      await replies.wait(from, 2);
      const sentAt = performance.now();
      if (!(await say(`Company ${i}`))) return false;
      const confirmedAt = await replies.wait(from, 3);
      latencies.push(confirmedAt - sentAt);
      return true;
    };
    // Warm-up at the measured rate (JIT, the first Salesforce token, keep-alive connections),
    // then measure. After a warm-up at 20/s the first 1–2 s at 100/s were a transient of their
    // own (code not yet optimised for that load: 40–106 ms) that decided the p99.
    await openLoop(LEAD_PER_SEC, 2_000, conversation);
    latencies.length = 0;
    const cpuPer = stack.cpuMeter();
    const pgCpuPer = stack.postgresCpuMeter();
    const load = await openLoop(LEAD_PER_SEC, 10_000, (i) => conversation(i + 1_000));
    const cpuPerConversation = cpuPer(load.ok);
    const pgCpu = pg ? ` + ${pgCpuPer(load.ok).toFixed(1)} ms PostgreSQL` : "";
    latencies.sort((a, b) => a - b);
    const leads = stack.sandbox.sf.records("Lead").length;
    const p99 = percentile(latencies, 99);
    return [
      {
        name: `${pg ? "PostgreSQL, 1 worker: " : ""}last message → Lead created and confirmed, p99 at 100 conversations/s`,
        value: p99,
        unit: "ms",
        target: `≤ ${target}`,
        isMet: p99 <= target && leads === load.ok + WARM_UP_CONVERSATIONS,
        note: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, max ${latencies.at(-1)?.toFixed(1)} ms, ${leads - WARM_UP_CONVERSATIONS} leads for ${load.ok} conversations; ${cpuPerConversation.toFixed(1)} ms Tern CPU${pgCpu}/conversation`,
      },
    ];
  } finally {
    replies.off();
    client.close();
    await stack.close();
  }
}

/**
 * RSS where an idle process settles: V8's memory reducer shrinks the heap some seconds into a
 * quiet spell (10–25 s here, varying run to run), so one reading taken early is not where the
 * process stays. Samples 1 s apart for 25 s and gives the last; prints them all.
 */
async function settledRss(stack: BenchStack, label: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 1_000));
    samples.push(stack.rssMb());
  }
  process.stderr.write(`  RSS ${label}, 1 s apart: ${samples.map((x) => x.toFixed(0)).join(" ")} MB\n`);
  return samples.at(-1) ?? Number.NaN;
}

export async function memory(ctx: BenchContext): Promise<Figure[]> {
  const stack = await startBenchStack({ flow: leadFlow(), cpus: ctx.cpus });
  const client = createClient(stack.tern.url, 64);
  const replies = replyWatcher(stack.sandbox.wa.onSent);
  try {
    // Idle: after the last write (provisioning), as a server between bursts is; the WAL
    // checkpointer's thread ends ~5 s after the last write. Read the way the burst's aftermath
    // is below, so that the difference between the two is what waiting conversations cost.
    await new Promise((r) => setTimeout(r, 10_000));
    const idle = await settledRss(stack, "idle");
    const n = 10_000;
    await openLoop(
      2_000,
      (n / 2_000) * 1000,
      async (i) => (await client.post(stack.webhook(phone(6600, i), "hi"))) === 200,
    );
    const deadline = performance.now() + 60_000;
    while (replies.total() < n && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Burst garbage is not what waiting conversations cost: V8's memory reducer runs first.
    const waiting = await settledRss(stack, "after the burst");
    return [
      { name: "idle RSS", value: idle, unit: "MB", target: "≤ 80", isMet: idle <= 80 },
      {
        name: "RSS added by 10,000 conversations waiting for a reply",
        value: waiting - idle,
        unit: "MB",
        target: "≤ 10",
        isMet: waiting - idle <= 10,
        note: `${replies.total()} questions sent; RSS ${waiting.toFixed(1)} MB after`,
      },
    ];
  } finally {
    replies.off();
    client.close();
    await stack.close();
  }
}
