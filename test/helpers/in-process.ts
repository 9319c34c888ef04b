import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ApiClient, createAdminClient } from "../../src/cli/api-client.js";
import { loadConfig } from "../../src/config.js";
import { startTern, type Tern } from "../../src/main.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";

/** Tern in this process on a fresh data directory, wired to a fresh sandbox through the admin API. */
export interface Stack {
  tern: Tern;
  sandbox: Sandbox;
  api: ApiClient;
  setup: Provisioned;
  /** Raw fetch against Tern with the admin token. */
  http(method: string, apiPath: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startStack(options: { flow?: unknown; tokenLatencyMs?: number } = {}): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-test-"));
  const sandbox = await startSandbox({ tokenLatencyMs: options.tokenLatencyMs });
  const tern = await startTern({
    config: loadConfig({
      TERN_PORT: "0",
      TERN_HOST: "127.0.0.1",
      TERN_DATA_DIR: dataDir,
      TERN_LOG_LEVEL: "silent",
      TERN_SANDBOX: "off",
    }),
  });
  const api = createAdminClient(tern.url, tern.dataDir.adminToken);
  const setup = await provisionSandbox(api, sandbox, { flow: options.flow });
  return {
    tern,
    sandbox,
    api,
    setup,
    http(method, apiPath, body, headers = {}) {
      return fetch(`${tern.url}${apiPath}`, {
        method,
        headers: {
          authorization: `Bearer ${tern.dataDir.adminToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    },
    async close() {
      sandbox.wa.deliverStatusesTo(null);
      await tern.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls a condition that another process or the worker makes true (no fixed sleeps). */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
