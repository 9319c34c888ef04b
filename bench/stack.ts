import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAdminClient } from "../src/cli/api-client.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../src/sandbox/tern-process.js";
import { buildTextWebhook, signWebhook } from "../src/sandbox/whatsapp/index.js";
import type { PreparedRequest } from "./load.js";

/** Tern in its own process (measured from outside), the sandbox in the benchmark process. */
export interface BenchStack {
  tern: TernProcess;
  sandbox: Sandbox;
  setup: Provisioned;
  /** A signed webhook carrying one text message from `from`. */
  webhook(from: string, text: string): PreparedRequest;
  rssMb(): number;
  /** Samples Tern's RSS every `intervalMs` until the returned function is called; it returns the peak. */
  sampleRss(intervalMs?: number): () => number;
  close(): Promise<void>;
}

export async function startBenchStack(
  options: { flow?: unknown; noWorker?: boolean; cpus?: string } = {},
): Promise<BenchStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-bench-"));
  const sandbox = await startSandbox();
  const secrets = processSecrets();
  const port = await freePort();
  // Provision with the worker running, then restart as asked (e.g. ingest only).
  let tern = await spawnTern({ dataDir, ...secrets, port, cpus: options.cpus });
  const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox, {
    flow: options.flow,
  });
  if (options.noWorker) {
    await tern.stop();
    tern = await spawnTern({ dataDir, ...secrets, port, noWorker: true, cpus: options.cpus });
  }
  const webhookPath = new URL(setup.webhookUrl).pathname;
  const appSecret = sandbox.wa.config.appSecret;
  const rssMb = () => {
    const status = readFileSync(`/proc/${tern.child.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  };
  return {
    tern,
    sandbox,
    setup,
    webhook(from, text) {
      const body = JSON.stringify(buildTextWebhook({ from, text }));
      return {
        path: webhookPath,
        body,
        headers: { "content-type": "application/json", "x-hub-signature-256": signWebhook(body, appSecret) },
      };
    },
    rssMb,
    sampleRss(intervalMs = 100) {
      let peak = rssMb();
      const timer = setInterval(() => {
        peak = Math.max(peak, rssMb());
      }, intervalMs);
      return () => {
        clearInterval(timer);
        return Math.max(peak, rssMb());
      };
    },
    async close() {
      await tern.stop();
      await sandbox.close();
      if (!process.env.TERN_BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
      else process.stderr.write(`kept ${dataDir}\n`);
    },
  };
}
