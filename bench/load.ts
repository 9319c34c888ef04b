/**
 * Open-loop load: requests are issued on a fixed schedule whatever the server does (no request
 * waits for an earlier answer, so a stalled server cannot slow the generator down and hide in
 * the percentiles). Latency runs from the send; the generator's own lag is reported apart.
 */
export interface LoadResult {
  offeredPerSec: number;
  sent: number;
  ok: number;
  errors: number;
  achievedPerSec: number;
  p50: number;
  p99: number;
  max: number;
  /** Worst delay between when a request was due and when the generator sent it. */
  scheduleLagMaxMs: number;
}

export interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The generator's HTTP client (raw-client.ts: a prepared buffer per request, keep-alive). */
export { createRawClient as createClient } from "./raw-client.js";

/** Issues `make(i)` at `ratePerSec` for `durationMs`; waits for every answer. */
export async function openLoop(
  ratePerSec: number,
  durationMs: number,
  fire: (i: number) => Promise<boolean>,
): Promise<LoadResult> {
  const total = Math.round((ratePerSec * durationMs) / 1000);
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let issued = 0;
  let lagMax = 0;
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * ratePerSec) / 1000) + 1);
      while (issued < due) {
        const i = issued++;
        const sentAt = performance.now();
        lagMax = Math.max(lagMax, sentAt - (start + (i * 1000) / ratePerSec));
        pending.push(
          fire(i).then((isOk) => {
            latencies.push(performance.now() - sentAt);
            if (isOk) ok++;
            else errors++;
          }),
        );
      }
      if (issued >= total) resolve();
      // Sleep until the next request is due instead of spinning: a busy generator would steal
      // the CPU the server under test needs on a 2-core machine.
      else {
        const aheadMs = start + (issued * 1000) / ratePerSec - performance.now();
        if (aheadMs > 1.5) setTimeout(tick, aheadMs - 1);
        else setImmediate(tick);
      }
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  return {
    offeredPerSec: ratePerSec,
    sent: total,
    ok,
    errors,
    achievedPerSec: (ok * 1000) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    scheduleLagMaxMs: lagMax,
  };
}

/** Keeps `concurrency` requests in flight for `durationMs`: the most the server can take. */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  fire: (i: number) => Promise<boolean>,
): Promise<{ perSec: number; ok: number; errors: number }> {
  let i = 0;
  let ok = 0;
  let errors = 0;
  const end = performance.now() + durationMs;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        if (await fire(i++)) ok++;
        else errors++;
      }
    }),
  );
  return { perSec: (ok * 1000) / (performance.now() - start), ok, errors };
}
