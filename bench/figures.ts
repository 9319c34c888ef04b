/** One printed benchmark figure and the rules that decide whether it meets its target. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  isMet: boolean;
  note?: string;
}

/**
 * A rate measured from the first request to the last answer trails the offered rate by one
 * latency (998/s for 1,000/s offered over 5 s with a 10 ms tail), so a server that keeps up
 * passes at ≥ 99 % of what was offered; above the target, the target itself must be reached.
 */
export function isRateMet(value: number, offeredPerSec: number, targetPerSec: number): boolean {
  return offeredPerSec <= targetPerSec ? value >= 0.99 * offeredPerSec : value >= targetPerSec;
}

/** The run whose value is the median (its pass/fail and note go with it); lower middle for an even count. */
export function medianRun(runs: Figure[]): Figure {
  if (runs.length === 0) throw new Error("medianRun needs at least one run");
  const sorted = [...runs].sort((a, b) => a.value - b.value);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
