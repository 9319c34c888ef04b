import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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
});
