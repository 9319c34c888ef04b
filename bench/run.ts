import os from "node:os";
import { type Figure, medianRun } from "./figures.js";
import { pinBenchProcess } from "./pinning.js";
import { type BenchContext, durableAck, leadLatency, memory, pipeline } from "./scenarios.js";

/**
 * `npm run bench`: each scenario starts a fresh Tern process on a fresh SQLite file and drives
 * it over loopback with signed WhatsApp webhooks, three times (TERN_BENCH_RUNS); each figure is
 * the median of the runs, printed with all of them, against the targets.
 * Pass scenario names to run a subset: `npm run bench -- ack lead`.
 */
const scenarios: Record<string, (ctx: BenchContext) => Promise<Figure[]>> = {
  ack: durableAck,
  pipeline,
  lead: leadLatency,
  memory,
};

const format = (v: number) => (v >= 100 ? Math.round(v).toLocaleString("en") : v.toFixed(1));

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => a in scenarios);
  const names = wanted.length > 0 ? wanted : Object.keys(scenarios);
  const runs = Math.max(1, Number(process.env.TERN_BENCH_RUNS ?? 3) || 3);
  const pinning = pinBenchProcess();
  process.stdout.write(
    `Tern benchmarks — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}; ${pinning.describe}; median of ${runs} runs\n\n`,
  );
  const all: Figure[] = [];
  for (const name of names) {
    const byName = new Map<string, Figure[]>();
    for (let r = 0; r < runs; r++) {
      for (const f of await scenarios[name]!({ cpus: pinning.ternCpus })) {
        byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
      }
    }
    for (const figures of byName.values()) {
      const f = medianRun(figures);
      all.push(f);
      const each = runs > 1 ? `  [${figures.map((x) => format(x.value)).join(", ")}]` : "";
      process.stdout.write(
        `${f.isMet ? "PASS" : "MISS"}  ${f.name.padEnd(72)} ${`${format(f.value)} ${f.unit}`.padStart(18)}  (target ${f.target})${each}${f.note ? `  ${f.note}` : ""}\n`,
      );
    }
  }
  const missed = all.filter((f) => !f.isMet).length;
  process.stdout.write(`\n${all.length - missed}/${all.length} targets met\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
