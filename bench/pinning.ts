import { execFileSync } from "node:child_process";
import os from "node:os";

/**
 * Keeps the load generator and the emulators (this process) off the cores Tern runs on, so the
 * figures measure Tern rather than the two fighting over one core: this process on CPU 0, Tern
 * on the others. Needs `taskset` (util-linux) and two CPUs; TERN_BENCH_PIN=off shares all cores.
 * Other programs on the machine are not pinned and still compete for both.
 */
export interface Pinning {
  /** `taskset -c` list for Tern, or undefined when nothing is pinned. */
  ternCpus?: string;
  describe: string;
}

export function pinBenchProcess(): Pinning {
  const cpus = os.cpus().length;
  if (process.env.TERN_BENCH_PIN === "off") return { describe: "not pinned (TERN_BENCH_PIN=off)" };
  if (cpus < 2) return { describe: "not pinned (one CPU)" };
  try {
    // -a: every thread of this process (libuv's pool included), not just the main one.
    execFileSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  } catch {
    return { describe: "not pinned (taskset unavailable)" };
  }
  const ternCpus = cpus === 2 ? "1" : `1-${cpus - 1}`;
  return { ternCpus, describe: `bench on CPU 0, Tern on CPU ${ternCpus}` };
}
