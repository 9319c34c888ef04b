import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { builtCli } from "../../src/core/paths.js";
import { processSecrets } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";

/**
 * How `tern serve` takes the signals a service manager or a terminal sends. SIGHUP is what it
 * gets when the terminal or the SSH session that started it closes; Node's default ended the
 * process on the spot (no line logged): requests in flight cut, turns cut mid-step, and a send
 * cut after it was written becomes an unknown outcome (a channel that echoes nothing marks it
 * `unknown` instead of delivering it). A signal during the start took that default action too.
 */
describe("stop signals", () => {
  let dataDir = "";
  let child: ChildProcess | undefined;
  let database: TestDatabaseEnv | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts `tern serve`, sends `signal` once its output matches `when`, and resolves how it ended. */
  const signalServe = async (signal: NodeJS.Signals, when: RegExp) => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-signal-"));
    const secrets = processSecrets();
    database = await testDatabaseEnv(secrets);
    const started = spawn(process.execPath, [builtCli(), "serve"], {
      env: {
        ...process.env,
        ...database.env,
        TERN_PORT: "0",
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dataDir,
        TERN_ADMIN_TOKEN: secrets.adminToken,
        TERN_SECRET_KEY: secrets.secretKey,
        TERN_SANDBOX: "off",
        TERN_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = started;
    let output = "";
    let isSent = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (!isSent && when.test(output)) {
        isSent = true;
        started.kill(signal);
      }
    };
    started.stdout.on("data", onData);
    started.stderr.on("data", onData);
    const ended = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      started.once("exit", (code, sig) => resolve({ code, signal: sig })),
    );
    return { ended, output };
  };

  it("SIGHUP stops the server gracefully, as SIGTERM does: logged, exit 0", async () => {
    const { ended, output } = await signalServe("SIGHUP", /Tern is listening on/);
    expect(ended, output).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/"signal":"SIGHUP","msg":"shutting down"/);
  });

  it("SIGTERM during the start stops the server once started: logged, exit 0", async () => {
    // Fastify's line comes while the start goes on (the worker's recovery, the banner).
    const { ended, output } = await signalServe("SIGTERM", /Server listening at/);
    expect(ended, output).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
  });
});
