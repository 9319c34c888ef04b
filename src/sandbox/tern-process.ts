import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { builtCli } from "../core/paths.js";
import { MALLOC_TUNABLES, NODE_FLAGS } from "../core/process-settings.js";

/**
 * Tern as a separate OS process (`node dist/src/cli.js serve`), so tests can SIGKILL it at any
 * moment and start it again on the same data directory; benchmarks measure it from outside.
 * Requires `npm run build` (npm test and npm run bench run it).
 */
export interface TernProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Started as `npm start` starts Tern (core/process-settings.ts). TERN_NODE_ARGS adds more Node
 * flags (e.g. --cpu-prof for profiling).
 */
export interface TernProcessOptions {
  dataDir: string;
  adminToken: string;
  secretKey: string;
  noWorker?: boolean;
  /**
   * `worker`: a `tern worker` process (PostgreSQL only; it serves no HTTP, so `url` is empty and
   * the process counts as started once it says so). Default `serve`.
   */
  command?: "serve" | "worker";
  /** More arguments after the command, e.g. `["--concurrency", "8"]`. */
  args?: string[];
  /** Fixed port, so that a restarted process is reachable at the same webhook URL. */
  port?: number;
  env?: Record<string, string>;
  /**
   * How long to wait for "listening" (default 45 s). A start takes 1–2 s on a quiet machine; a
   * 2-core machine running the whole suite once took more than 15 s for a PostgreSQL one.
   */
  startTimeoutMs?: number;
  /**
   * CPU list for `taskset -c` (util-linux), e.g. "1": the bench keeps Tern off the core its load
   * generator and emulators use. taskset execs Node, so the child's pid is Node's.
   */
  cpus?: string;
}

export function processSecrets() {
  return {
    adminToken: `test_${randomBytes(16).toString("hex")}`,
    secretKey: randomBytes(32).toString("hex"),
  };
}

export async function spawnTern(options: TernProcessOptions): Promise<TernProcess> {
  const cli = builtCli();
  const args = [
    ...NODE_FLAGS,
    ...(process.env.TERN_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
    cli,
    options.command ?? "serve",
    ...(options.noWorker ? ["--no-worker"] : []),
    ...(options.args ?? []),
  ];
  const [command, argv] = options.cpus
    ? ["taskset", ["-c", options.cpus, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, argv, {
    env: {
      GLIBC_TUNABLES: MALLOC_TUNABLES,
      ...process.env,
      TERN_PORT: String(options.port ?? 0),
      TERN_HOST: "127.0.0.1",
      TERN_DATA_DIR: options.dataDir,
      TERN_ADMIN_TOKEN: options.adminToken,
      TERN_SECRET_KEY: options.secretKey,
      TERN_LOG_LEVEL: "warn",
      TERN_SANDBOX: "off",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const startTimeoutMs = options.startTimeoutMs ?? 45_000;
    const timer = setTimeout(() => {
      // Not left running: it would hold the port the next attempt needs.
      child.kill("SIGKILL");
      reject(new Error(`Tern did not start within ${startTimeoutMs} ms:\n${out}`));
    }, startTimeoutMs);
    const check = () => {
      if (options.command === "worker") {
        if (!/worker is running/.test(out)) return;
        clearTimeout(timer);
        resolve("");
        return;
      }
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Tern exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A port that is free right now (the OS picks it), for a process that must keep its port across restarts. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
