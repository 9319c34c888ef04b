import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtCli } from "../../src/core/paths.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";

const cli = builtCli();

/**
 * `tern migrate`, `worker` and `serve` on PostgreSQL, with the key and token in the environment,
 * started in a read-only working directory without TERN_DATA_DIR: they used to create `./.tern`
 * there (or fail with EACCES), though the data is in the database.
 */
describe.skipIf(testDialect !== "postgres")("PostgreSQL processes and the disk", () => {
  let db: TestDatabaseEnv;
  let cwd = "";
  beforeAll(async () => {
    db = await testDatabaseEnv();
    cwd = mkdtempSync(path.join(tmpdir(), "tern-readonly-cwd-"));
    // Read-only for a user other than root; for root (which may write anyway) the test checks
    // below that nothing was created.
    chmodSync(cwd, 0o555);
  });
  afterAll(async () => {
    chmodSync(cwd, 0o755);
    rmSync(cwd, { recursive: true, force: true });
    await db.drop();
  });

  /** Runs a command until it exits, or until `ready` appears in its output (then SIGTERM). */
  function run(args: string[], ready?: RegExp): Promise<{ code: number | null; output: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, ...db.env, TERN_PORT: "0", TERN_HOST: "127.0.0.1" };
    delete env.TERN_DATA_DIR;
    const child: ChildProcess = spawn(process.execPath, [cli, ...args], { cwd, env });
    let output = "";
    let stopping = false;
    const onData = (d: Buffer) => {
      output += d.toString();
      // Once: a second signal ends the process at once (cli/serve.ts).
      if (!stopping && ready?.test(output)) {
        stopping = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
    return new Promise((resolve) =>
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      }),
    );
  }

  it("start and stop cleanly and create nothing in the working directory", async () => {
    const migrate = await run(["migrate"]);
    expect(migrate.output).toContain("Database is up to date");
    expect(migrate.code, migrate.output).toBe(0);
    const worker = await run(["worker"], /Tern worker is running/);
    expect(worker.output).toContain("Tern worker is running");
    expect(worker.code, worker.output).toBe(0);
    // With the sandbox as by default (auto): it keeps its state in the database too.
    const serve = await run(["serve"], /Tern is listening/);
    expect(serve.output).toContain("admin token: from TERN_ADMIN_TOKEN");
    expect(serve.code, serve.output).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
