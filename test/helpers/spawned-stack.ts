import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { createAdminClient } from "../../src/cli/api-client.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";

/**
 * Tern as its own OS process (so "the server stays up" means the process did not exit), wired to
 * a sandbox that lives in the test process, on a fixed port so that a restart keeps its URLs.
 */
export interface SpawnedStack {
  sandbox: Sandbox;
  setup: Provisioned;
  port: number;
  url: string;
  adminToken: string;
  dataDir: string;
  tern(): TernProcess;
  /** True while the process runs; a property that killed it fails on this. */
  isAlive(): boolean;
  /** Starts the process again after a failed property, so the next one is tested on its own. */
  ensureUp(): Promise<void>;
  /** Rows a webhook could have written, read straight from the SQLite file. */
  counts(): { inbox: number; contacts: number; messages: number; runs: number };
  close(): Promise<void>;
}

export async function startSpawnedStack(env: Record<string, string> = {}): Promise<SpawnedStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-fuzz-"));
  const secrets = processSecrets();
  const sandbox = await startSandbox();
  const port = await freePort();
  let tern = await spawnTern({ dataDir, ...secrets, port, env, startTimeoutMs: 45_000 });
  const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox);
  const reader = new Database(path.join(dataDir, "tern.db"), { readonly: true, fileMustExist: true });
  const count = (table: string) =>
    (reader.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    sandbox,
    setup,
    port,
    url: tern.url,
    adminToken: secrets.adminToken,
    dataDir,
    tern: () => tern,
    isAlive: () => tern.child.exitCode === null && tern.child.signalCode === null,
    async ensureUp() {
      // The exit event of a process that just crashed may not have arrived yet: ask it.
      const health = await fetch(`${tern.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(
        () => null,
      );
      if (health?.ok) return;
      await tern.kill();
      tern = await spawnTern({ dataDir, ...secrets, port, env, startTimeoutMs: 45_000 });
    },
    counts: () => ({
      inbox: count("inbox"),
      contacts: count("contacts"),
      messages: count("messages"),
      runs: count("runs"),
    }),
    async close() {
      reader.close();
      await tern.stop();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
