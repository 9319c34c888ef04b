import pino from "pino";
import { startJobRunner } from "../src/queue/jobs/runner.js";

/**
 * One job runner process for `bench/jobs.ts` (forked with `--import tsx`). Tasks: `latency`
 * records now − payload.t0 (wall clock ms, both processes' `performance.timeOrigin + now()`), and
 * `noop`. Messages: "report" → { latencies, starts: [payload.i, start][], done }, "stop" →
 * graceful stop and exit.
 */
interface Config {
  url: string;
  processName: string;
  concurrency: number;
  queueGcIntervalMs: number;
}

const config = JSON.parse(process.argv[2]!) as Config;
const wallNow = () => performance.timeOrigin + performance.now();
let latencies: number[] = [];
let starts: [number, number][] = [];
let done = 0;

const runner = await startJobRunner({
  connectionString: config.url,
  concurrency: config.concurrency,
  processName: config.processName,
  queueGcIntervalMs: config.queueGcIntervalMs,
  log: pino({ level: "warn" }, pino.destination(2)),
  tasks: {
    latency: async (payload) => {
      const { t0, i } = payload as { t0: number; i: number };
      const now = wallNow();
      latencies.push(now - t0);
      starts.push([i, now]);
      done++;
    },
    noop: async () => {
      done++;
    },
  },
});
process.send?.({ ready: true });
// The bench process died: do not linger holding jobs and connections.
process.on("disconnect", () => process.exit(1));
process.on("message", (message) => {
  if (message === "report") {
    process.send?.({ latencies, starts, done });
    latencies = [];
    starts = [];
  } else if (message === "stop") {
    void runner.stop(5_000).then(() => process.exit(0));
  }
});
