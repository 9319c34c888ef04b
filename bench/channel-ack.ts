import { channelSimulators } from "../src/sandbox/simulators.js";
import type { Figure } from "./figures.js";
import { closedLoop, createClient, openLoop, type PreparedRequest } from "./load.js";
import type { BenchContext } from "./scenarios.js";
import { startBenchStack } from "./stack.js";

/**
 * Issue 8: the durable-ack figure for each channel's webhook, with the same targets as WhatsApp's
 * (`ack`): `serve --no-worker`, the channel created through the admin API with its simulator's
 * config, then signed webhooks built by that simulator exactly as the provider sends them
 * (signature, query string, XML or JSON). The same load shape as `ack` (1 s of warm-up, then
 * 5 s per figure): with 3-s loads a fresh process's first seconds (JIT, a growing WAL) were most
 * of the figure, and WhatsApp measured 6,600/s here against 9,700/s in `ack` for the same
 * webhook. TERN_BENCH_CHANNELS (comma-separated types) picks some.
 */
export async function channelAck(ctx: BenchContext): Promise<Figure[]> {
  const figures: Figure[] = [];
  // TERN_BENCH_CHANNELS=messenger,wechat measures those only (profiling one adapter).
  const only = process.env.TERN_BENCH_CHANNELS?.split(",").filter(Boolean);
  for (const [type, start] of Object.entries(channelSimulators)) {
    if (only && !only.includes(type)) continue;
    const sim = await start();
    const stack = await startBenchStack({ noWorker: true, cpus: ctx.cpus });
    const client = createClient(stack.tern.url);
    try {
      const created = (await stack.api.request("POST", "/channels", {
        type,
        name: `${type}-bench`,
        config: sim.config,
      })) as { webhookUrl: string };
      const prebuilt = (base: number, n: number): PreparedRequest[] =>
        Array.from({ length: n }, (_, i) => {
          const request = sim.webhook(created.webhookUrl, {
            from: customerId(type, base, i),
            text: "hello",
          });
          const url = new URL(request.url);
          return { path: url.pathname + url.search, headers: request.headers, body: request.body };
        });
      const fire = (requests: PreparedRequest[]) => async (i: number) =>
        (await client.post(requests[i % requests.length]!)) === 200;
      // Built before the loads: signing 60,000 took longer than the server keeps an idle
      // connection open, and the warm-up's connections then failed their next request (32 errors).
      const [warm, most, steady] = [prebuilt(5100, 5_000), prebuilt(5200, 60_000), prebuilt(5300, 5_000)];
      await closedLoop(32, 1_000, fire(warm)); // warm-up
      const cpuPer = stack.cpuMeter();
      const max = await closedLoop(64, 5_000, fire(most));
      const cpuUs = cpuPer(max.ok) * 1_000;
      const at1k = await openLoop(1_000, 5_000, fire(steady));
      figures.push(
        {
          name: `${type}: durable ack, max (64 in flight, 5 s)`,
          value: max.perSec,
          unit: "webhooks/s",
          target: "≥ 10,000",
          isMet: max.perSec >= 10_000 && max.errors === 0,
          note: `${max.errors} errors; ${cpuUs.toFixed(0)} µs Tern CPU/webhook`,
        },
        {
          name: `${type}: durable ack p99 at 1,000/s offered`,
          value: at1k.p99,
          unit: "ms",
          target: "≤ 10",
          isMet: at1k.p99 <= 10 && at1k.errors === 0,
          note: `p50 ${at1k.p50.toFixed(2)} ms, ${at1k.errors} errors`,
        },
      );
    } finally {
      client.close();
      await stack.close();
      await sim.close();
    }
  }
  return figures;
}

/** A customer id of the channel's shape: digits suit every provider's id (phone, chat id, user id). */
function customerId(type: string, base: number, i: number): string {
  const digits = `${base}${String(i).padStart(7, "0")}`;
  // LINE user ids are "U" + 32 hex; WeChat openids are 28 url-safe characters.
  if (type === "line") return `U${digits.padStart(32, "0")}`;
  if (type === "wechat") return `o${digits.padStart(27, "0")}`;
  return digits;
}
