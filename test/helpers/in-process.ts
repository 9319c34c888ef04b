import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ApiClient } from "../../src/cli/api-client.js";
import { loadConfig } from "../../src/config.js";
import { type StartOptions, startTern, type Tern } from "../../src/main.js";
import {
  type SandboxedTern,
  type SandboxedTernOptions,
  startSandboxedTern,
} from "../../src/sandbox/sandboxed-tern.js";
import { type DatabaseLocation, testDatabaseEnv } from "./dialect.js";

/** Tern in this process on a fresh data directory, wired to a fresh sandbox through the admin API. */
export interface Stack extends SandboxedTern {
  /** Tern's database, for reading it from outside (`db-inspect.ts`). */
  database: DatabaseLocation;
  /** Raw fetch against Tern with the admin token. */
  http(method: string, apiPath: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function startStack(options: SandboxedTernOptions = {}): Promise<Stack> {
  const database = await testDatabaseEnv();
  let started: SandboxedTern;
  try {
    started = await startSandboxedTern({
      logLevel: "silent",
      ...options,
      // Tests answer questions at once; burst grouping's own tests set a window.
      env: { TERN_BURST_WINDOW_MS: "0", ...database.env, ...options.env },
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const { tern } = started;
  return {
    ...started,
    database: database.location(tern.dataDir.root),
    async close() {
      await started.close();
      await database.drop();
    },
    http(method, apiPath, body, headers = {}) {
      return fetch(`${tern.url}${apiPath}`, {
        method,
        headers: {
          authorization: `Bearer ${tern.dataDir.adminToken}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body:
          body === undefined
            ? undefined
            : typeof body === "string" || body instanceof Uint8Array
              ? body
              : JSON.stringify(body),
      });
    },
  };
}

/** Creates a flow and publishes it through the admin API (POST /flows, then publish). */
export async function publishFlow(
  stack: Pick<Stack, "api">,
  flow: unknown,
): Promise<{ id: string; version: number }> {
  const created = (await stack.api.request("POST", "/flows", flow)) as { id: string; version: number };
  await stack.api.request("POST", `/flows/${created.id}/publish`, { version: created.version });
  return created;
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

/** Until the admin API lists `count` runs waiting (a question went out, its deadline is stored). */
export async function runsWaiting(api: ApiClient, count = 1): Promise<void> {
  await eventually(
    async () => {
      const runs = (await api.request("GET", "/runs?status=waiting")) as { items: unknown[] };
      return runs.items.length === count;
    },
    10_000,
    `${count} waiting run(s)`,
  );
}

/** Tern alone (no sandbox, nothing configured) on a fresh data directory, with more configuration as environment variables. */
export async function startBareTern(
  env: Record<string, string> = {},
  options: Pick<StartOptions, "fetch"> = {},
): Promise<{ tern: Tern; env: Record<string, string>; database: DatabaseLocation; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-"));
  const database = await testDatabaseEnv();
  const tern = await startTern({
    config: loadConfig({
      TERN_PORT: "0",
      TERN_BURST_WINDOW_MS: "0",
      TERN_HOST: "127.0.0.1",
      TERN_DATA_DIR: dataDir,
      TERN_LOG_LEVEL: "silent",
      TERN_SANDBOX: "off",
      ...database.env,
      ...env,
    }),
    ...options,
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return {
    tern,
    /** The database's environment (PostgreSQL: DATABASE_URL and the shared secrets), for other processes. */
    env: database.env,
    database: database.location(dataDir),
    async close() {
      await tern.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
