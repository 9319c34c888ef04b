import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
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

/**
 * A PostgreSQL server on this machine (the bench's default) runs its backends on every core, so
 * under load they take a good share of Tern's: on the 2-core VM, PostgreSQL used about as much
 * CPU as Tern's processes during `pg-pipeline-1`. A deployment gives the database a machine of
 * its own (docs/deployment.md), so for the PostgreSQL scenarios every `postgres` process is moved
 * to the bench's CPU 0 (backends started later are forked by the postmaster and inherit it) and
 * put back afterwards, also when the bench is interrupted. Needs the right to change another
 * user's affinity (root); TERN_BENCH_PIN_PG=off leaves the server as it is.
 */
export function pinLocalPostgres(url: string, pinning: Pinning): { describe: string; restore(): void } {
  const none = (why: string) => ({ describe: `PostgreSQL not pinned (${why})`, restore() {} });
  if (process.env.TERN_BENCH_PIN_PG === "off") return none("TERN_BENCH_PIN_PG=off");
  if (!pinning.ternCpus) return none("Tern not pinned");
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "[::1]", ""].includes(host)) return none(`server on ${host}`);
  const saved = new Map<number, string>();
  let failure = "no postgres process on this machine";
  for (const pid of postgresPids()) {
    try {
      const mask = execFileSync("taskset", ["-p", String(pid)], { encoding: "utf8" })
        .trim()
        .split(" ")
        .pop();
      if (!mask) continue;
      execFileSync("taskset", ["-p", "1", String(pid)], { stdio: "ignore" });
      saved.set(pid, mask);
    } catch (error) {
      // A backend that ended meanwhile, or no right to move it.
      failure = `taskset: ${(error as Error).message.split("\n")[0]}`;
    }
  }
  if (saved.size === 0) return none(failure);
  const onSignal = (signal: NodeJS.Signals) => {
    restoreMasks(saved);
    process.kill(process.pid, signal);
  };
  const onExit = () => restoreMasks(saved);
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    describe: `PostgreSQL's ${saved.size} processes on CPU 0 for its scenarios`,
    restore() {
      process.off("exit", onExit);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      restoreMasks(saved);
    },
  };
}

export function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres") pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function restoreMasks(saved: Map<number, string>): void {
  for (const [pid, mask] of saved) {
    try {
      execFileSync("taskset", ["-p", mask, String(pid)], { stdio: "ignore" });
    } catch {
      // the process ended meanwhile (a backend whose connection closed)
    }
  }
  saved.clear();
}
