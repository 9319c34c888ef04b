import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import { startSalesforceEmulator } from "../../src/sandbox/salesforce/index.js";
import { createCustomer, provisionSandbox, type Sandbox } from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { startWhatsAppSimulator } from "../../src/sandbox/whatsapp/index.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * SIGTERM while acknowledged messages wait (a backlog): the process stops taking work, finishes
 * the turns in hand and exits at once, 0; the next start takes the rest, each message once. The
 * lanes kept draining the inbox after the signal, so a backlog held the stop until the 30 s
 * deadline, which then exited 1 in the middle of whatever turns were running.
 */
describe.skipIf(testDialect !== "sqlite")("SIGTERM with a backlog (SQLite lanes)", () => {
  let dataDir = "";
  let sandbox: Sandbox | undefined;
  let tern: TernProcess | undefined;
  let database: TestDatabaseEnv | undefined;
  afterEach(async () => {
    await tern?.kill();
    await sandbox?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops taking inbox rows, exits 0 within seconds, and the next start answers the rest once", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-stop-backlog-"));
    const secrets = processSecrets();
    database = await testDatabaseEnv(secrets);
    // Every send takes 150 ms: 200 conversations, 4 at once, take about 8 s.
    const [sf, wa] = await Promise.all([
      startSalesforceEmulator(),
      startWhatsAppSimulator({ latencyMs: 150 }),
    ]);
    sandbox = { sf, wa, close: async () => void (await Promise.all([sf.close(), wa.close()])) };
    const port = await freePort();
    const start = (noWorker = false) =>
      spawnTern({
        dataDir,
        ...secrets,
        port,
        noWorker,
        env: { ...database!.env, TERN_WORKER_CONCURRENCY: "4" },
      });
    tern = await start(true);
    const setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox);
    const customers = Array.from({ length: 200 }, (_, i) =>
      createCustomer(
        sandbox!,
        `${tern!.url}/webhooks/${setup.channelId}`,
        `1555123${String(i).padStart(4, "0")}`,
      ),
    );
    const acks = await Promise.all(customers.map((c) => c.say("hi")));
    expect(acks.every((a) => a.status === 200)).toBe(true);
    await tern.stop();

    tern = await start();
    await eventually(() => wa.sent.length >= 8, 10_000, "the backlog to be under way");
    const signalledAt = Date.now();
    const sentAtSignal = wa.sent.length;
    const exit = new Promise<number | null>((resolve) => tern!.child.once("exit", (code) => resolve(code)));
    tern.child.kill("SIGTERM");
    const code = await exit;
    const tookMs = Date.now() - signalledAt;
    expect(code, tern.output()).toBe(0);
    expect(tookMs).toBeLessThan(5_000);
    // At most the turns in hand (4 lanes) finished after the signal.
    expect(wa.sent.length - sentAtSignal).toBeLessThanOrEqual(4);

    tern = await start();
    await eventually(() => wa.sent.length >= customers.length, 30_000, "every customer to be answered");
    await new Promise((r) => setTimeout(r, 500));
    for (const c of customers) expect(c.received(), c.from).toHaveLength(1);
  }, 90_000);
});
