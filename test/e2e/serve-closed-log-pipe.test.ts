import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { builtCli } from "../../src/core/paths.js";
import { freePort, processSecrets } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * `tern serve | some-log-shipper`, and the shipper dies (or journald restarts under an old
 * systemd): stdout becomes a closed pipe. The CLI's "end quietly on a closed pipe", meant for
 * `tern flows export | head`, ended the server too: its exit then hung in pino's final flush,
 * which retries a broken pipe forever, so the process neither served (requests timed out) nor
 * exited, and took no signal. A server keeps serving without its logs.
 */
describe("tern serve whose stdout reader went away", () => {
  let child: ChildProcess | undefined;
  let dataDir = "";
  let database: TestDatabaseEnv | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps answering, and still stops on SIGTERM", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-closed-log-"));
    const secrets = processSecrets();
    database = await testDatabaseEnv(secrets);
    const port = await freePort();
    const started = spawn(process.execPath, [builtCli(), "serve"], {
      env: {
        ...process.env,
        ...database.env,
        TERN_PORT: String(port),
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dataDir,
        TERN_ADMIN_TOKEN: secrets.adminToken,
        TERN_SECRET_KEY: secrets.secretKey,
        TERN_SANDBOX: "off",
        TERN_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "ignore"],
    });
    child = started;
    // The reader is gone before the first line, as when the log shipper died.
    started.stdout?.destroy();
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      started.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const ready = () =>
      fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
    await eventually(ready, 20_000, "Tern to answer /readyz");
    // Still there a moment later: the banner and log lines written since found no reader.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ready()).toBe(true);
    expect(started.exitCode).toBeNull();

    started.kill("SIGTERM");
    const ended = await Promise.race([
      exited,
      new Promise((r) => setTimeout(() => r("still running 10 s after SIGTERM"), 10_000)),
    ]);
    expect(ended).toEqual({ code: 0, signal: null });
  });
});
