import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { MALLOC_TUNABLES, NODE_FLAGS } from "../../src/core/process-settings.js";
import { freePort, processSecrets } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * `npm start` as `docker stop` stops it (`CMD ["npm", "start"]`): the SIGTERM goes to npm alone,
 * which passes it to its child. The start script execs node, so that child is Tern, which shuts
 * down gracefully. Without the exec, npm's child was `sh`: the shell
 * died of the signal and Tern kept serving, orphaned, until it was killed without a word.
 */

/** The pids whose parent is `pid` (Linux's /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after its last ")".
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** True when something accepts connections on the port. */
const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });

describe("npm start under a service manager", () => {
  let npm: ChildProcess | undefined;
  let dataDir = "";
  let database: TestDatabaseEnv | undefined;

  afterEach(async () => {
    // npm runs in a process group of its own: an orphaned server (the defect this guards
    // against) goes with it and does not outlive the test.
    try {
      if (npm?.pid) process.kill(-npm.pid, "SIGKILL");
    } catch {
      // the group is gone already
    }
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs Tern with Tern's Node flags and malloc settings, and stops it gracefully when npm gets SIGTERM", async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-npm-start-"));
    const secrets = processSecrets();
    database = await testDatabaseEnv(secrets);
    const port = await freePort();
    // --ignore-scripts: not prestart, whose build would rewrite dist/ under the suite's other tests.
    npm = spawn("npm", ["start", "--silent", "--ignore-scripts"], {
      cwd: packageRoot(),
      env: {
        ...process.env,
        ...database.env,
        TERN_DATA_DIR: dataDir,
        TERN_PORT: String(port),
        TERN_HOST: "127.0.0.1",
        TERN_SANDBOX: "off",
        TERN_ADMIN_TOKEN: secrets.adminToken,
        TERN_SECRET_KEY: secrets.secretKey,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    npm.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    npm.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const exited = new Promise<void>((resolve) => npm?.once("exit", () => resolve()));
    await eventually(() => output.includes("Tern is listening"), 20_000, "Tern to listen").catch(() => {
      throw new Error(`npm start did not get Tern listening; it printed:\n${output}`);
    });
    expect(await isListening(port)).toBe(true);
    // The start script execs Node with the settings every spawned Tern uses (process-settings.ts).
    const tern = childrenOf(npm.pid ?? -1);
    expect(tern).toHaveLength(1);
    const argv = readFileSync(`/proc/${tern[0]}/cmdline`, "utf8").split("\0");
    expect(argv.slice(1, 1 + NODE_FLAGS.length)).toEqual([...NODE_FLAGS]);
    expect(argv).toContain("serve");
    const environ = readFileSync(`/proc/${tern[0]}/environ`, "utf8").split("\0");
    expect(environ).toContain(`GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES || MALLOC_TUNABLES}`);

    npm.kill("SIGTERM");
    await exited;
    await eventually(() => output.includes("shutting down"), 10_000, "Tern's shutdown log");
    // Nothing serves on the port any more: the server itself stopped, not only npm.
    await eventually(async () => !(await isListening(port)), 10_000, "the port to close");
  }, 40_000);
});
