import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAdminClient } from "../../src/cli/api-client.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { openRowCounter } from "./db-inspect.js";
import { type DatabaseLocation, testDatabaseEnv } from "./dialect.js";

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
  /** The process's database (the suite's dialect): SQLite in `dataDir`, or its own PostgreSQL database. */
  database: DatabaseLocation;
  tern(): TernProcess;
  /** True while the process runs; a property that killed it fails on this. */
  isAlive(): boolean;
  /** Starts the process again after a failed property, so the next one is tested on its own. */
  ensureUp(): Promise<void>;
  /** Rows a webhook could have written, read straight from the database on a connection of its own. */
  counts(): Promise<{ inbox: number; contacts: number; messages: number; runs: number }>;
  close(): Promise<void>;
}

export async function startSpawnedStack(env: Record<string, string> = {}): Promise<SpawnedStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-fuzz-"));
  const secrets = processSecrets();
  const db = await testDatabaseEnv(secrets);
  const processEnv = { ...db.env, ...env };
  const sandbox = await startSandbox();
  const port = await freePort();
  let tern = await spawnTern({ dataDir, ...secrets, port, env: processEnv, startTimeoutMs: 45_000 });
  const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox);
  const database = db.location(dataDir);
  const reader = await openRowCounter(database);
  return {
    sandbox,
    setup,
    port,
    url: tern.url,
    adminToken: secrets.adminToken,
    dataDir,
    database,
    tern: () => tern,
    isAlive: () => tern.child.exitCode === null && tern.child.signalCode === null,
    async ensureUp() {
      // The exit event of a process that just crashed may not have arrived yet: ask it.
      const health = await fetch(`${tern.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(
        () => null,
      );
      if (health?.ok) return;
      await tern.kill();
      tern = await spawnTern({ dataDir, ...secrets, port, env: processEnv, startTimeoutMs: 45_000 });
    },
    counts: async () => {
      const n = await reader.count(["inbox", "contacts", "messages", "runs"]);
      return { inbox: n.inbox!, contacts: n.contacts!, messages: n.messages!, runs: n.runs! };
    },
    async close() {
      await reader.close();
      await tern.stop();
      await sandbox.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
