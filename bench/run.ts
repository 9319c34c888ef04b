import os from "node:os";
import { durableAck, type Figure, leadLatency, memory, pipeline } from "./scenarios.js";

/**
 * `npm run bench`: each scenario starts a fresh Tern process on a fresh SQLite file and drives
 * it over loopback with signed WhatsApp webhooks; figures are printed against the targets.
 * Pass scenario names to run a subset: `npm run bench -- ack lead`.
 */
const scenarios: Record<string, () => Promise<Figure[]>> = {
  ack: durableAck,
  pipeline,
  lead: leadLatency,
  memory,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => a in scenarios);
  const names = wanted.length > 0 ? wanted : Object.keys(scenarios);
  process.stdout.write(
    `Tern benchmarks — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}\n\n`,
  );
  const all: Figure[] = [];
  for (const name of names) {
    const figures = await scenarios[name]!();
    for (const f of figures) {
      all.push(f);
      const value = f.value >= 100 ? Math.round(f.value).toLocaleString("en") : f.value.toFixed(1);
      process.stdout.write(
        `${f.isMet ? "PASS" : "MISS"}  ${f.name.padEnd(72)} ${`${value} ${f.unit}`.padStart(18)}  (target ${f.target})${f.note ? `  ${f.note}` : ""}\n`,
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
