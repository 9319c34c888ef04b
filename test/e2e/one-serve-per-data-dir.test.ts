import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { testDialect } from "../helpers/dialect.js";

/**
 * The embedded store takes exactly one `tern serve` (docs/deployment.md). A second one on the
 * same data directory started and ran its own lanes beside the first: a conversation whose
 * messages reached both was advanced by both, and an in-flight Salesforce create was made twice
 * (29 of 30 customers got two Leads when their messages were spread over two serves). It must
 * refuse to start, say why, and leave the first one alone; the lock must not outlive a crash.
 */
describe.skipIf(testDialect !== "sqlite")("one tern serve per SQLite data directory", () => {
  let dataDir = "";
  const running: TernProcess[] = [];
  afterEach(async () => {
    for (const tern of running.splice(0)) await tern.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a second serve on the same directory, keeps the first, and starts again after a crash", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-one-serve-"));
    const secrets = processSecrets();
    const first = await spawnTern({ dataDir, ...secrets });
    running.push(first);
    // The lock is one file: no journal beside it (docs/deployment.md lists what the directory holds).
    expect(readdirSync(dataDir).filter((f) => f.startsWith("serve.lock"))).toEqual(["serve.lock"]);

    const second = spawnTern({ dataDir, ...secrets });
    await expect(second).rejects.toThrow(/Tern exited with 1 before listening/);
    await expect(second).rejects.toThrow(
      `Another tern serve is running on ${dataDir} (it holds ${path.join(dataDir, "serve.lock")}): stop it first.`,
    );
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

    // A SIGKILL leaves no stale lock: the operating system drops it with the process.
    await first.kill();
    running.splice(0);
    const restarted = await spawnTern({ dataDir, ...secrets });
    running.push(restarted);
    expect((await fetch(`${restarted.url}/readyz`)).status).toBe(200);
  });

  it("refuses to start while a serve of an earlier release, which holds no serve.lock, has the database open", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-one-serve-"));
    const secrets = processSecrets();
    const first = await spawnTern({ dataDir, ...secrets });
    await first.stop();

    // What an earlier release's serve holds while it runs: a connection to the WAL database, and
    // no serve.lock (upgrading, the user started the new release before stopping the old one).
    const databaseFile = path.join(dataDir, "tern.db");
    const earlier = new Database(databaseFile);
    earlier.pragma("journal_mode = WAL");
    earlier.prepare("SELECT count(*) FROM runs").get();
    try {
      const beside = spawnTern({ dataDir, ...secrets });
      beside.then((tern) => running.push(tern)).catch(() => {}); // stopped by afterEach if it started
      await expect(beside).rejects.toThrow(/Tern exited with 1 before listening/);
      await expect(beside).rejects.toThrow(
        `Another process has ${databaseFile} open: a tern serve of an earlier release (it holds no serve.lock)`,
      );
    } finally {
      earlier.close();
    }

    // Once it is stopped, the new release starts, and no lock was left behind by the refusal.
    const started = await spawnTern({ dataDir, ...secrets });
    running.push(started);
    expect((await fetch(`${started.url}/readyz`)).status).toBe(200);
  });
});
