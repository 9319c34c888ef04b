import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config.js";
import { startTern, type Tern } from "../../src/main.js";
import type { BuiltInSandbox } from "../../src/sandbox/bootstrap.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "./dialect.js";

/**
 * Tern in this process as `npm start` runs it with nothing configured: the built-in sandbox on
 * (TERN_SANDBOX=auto), its lead flow published, on a fresh data directory and database. The
 * sandbox routes (`/api/v1/sandbox/…`, Try it) answer only here, not on `startStack`, whose
 * integrations are the user's own.
 */
export interface BuiltInSandboxStack {
  tern: Tern;
  /** The running built-in sandbox (emulators, its channels). */
  sandbox: BuiltInSandbox;
  /** The sandbox's published lead flow. */
  flowId: string;
  http(method: string, apiPath: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startBuiltInSandboxStack(
  env: Record<string, string> = {},
): Promise<BuiltInSandboxStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-try-"));
  let database: TestDatabaseEnv | undefined;
  let tern: Tern | undefined;
  const close = async () => {
    await tern?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    database = await testDatabaseEnv();
    tern = await startTern({
      config: loadConfig({
        TERN_PORT: "0",
        TERN_BURST_WINDOW_MS: "0",
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dataDir,
        TERN_LOG_LEVEL: "silent",
        TERN_SANDBOX: "auto",
        ...database.env,
        ...env,
      }),
    });
    const started = tern;
    const sandbox = started.sandbox;
    if (!sandbox?.flowId) throw new Error("the built-in sandbox did not start with its lead flow");
    return {
      tern: started,
      sandbox,
      flowId: sandbox.flowId,
      http: (method, apiPath, body) =>
        fetch(`${started.url}${apiPath}`, {
          method,
          headers: {
            authorization: `Bearer ${started.dataDir.adminToken}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
