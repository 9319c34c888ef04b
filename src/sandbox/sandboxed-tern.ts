import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ApiClient, createAdminClient } from "../cli/api-client.js";
import { loadConfig } from "../config.js";
import { type StartOptions, startTern, type Tern } from "../main.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "./stack.js";

/**
 * Tern in this process on a throw-away data directory, wired through the admin API to a fresh
 * sandbox (Salesforce emulator, WhatsApp simulator) with a flow published. `tern demo` and the
 * in-process tests start from here.
 */
export interface SandboxedTern {
  tern: Tern;
  sandbox: Sandbox;
  api: ApiClient;
  setup: Provisioned;
  close(): Promise<void>;
}

export interface SandboxedTernOptions
  extends Pick<StartOptions, "fetch" | "logger" | "clock" | "resolveHost"> {
  flow?: unknown;
  tokenLatencyMs?: number;
  logLevel?: "warn" | "silent";
  /** More configuration, as environment variables (e.g. TERN_SEND_RECONCILE_MS). */
  env?: Record<string, string>;
  /** Emulator options, e.g. `{ ternKeyField: true }` for an org set up for exact creates. */
  salesforce?: { ternKeyField?: boolean };
  /** More settings of the Salesforce connection (e.g. `{ exactlyOnce: "lookup" }`). */
  connectionConfig?: Record<string, unknown>;
}

export async function startSandboxedTern(options: SandboxedTernOptions = {}): Promise<SandboxedTern> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-"));
  const sandbox = await startSandbox({
    tokenLatencyMs: options.tokenLatencyMs,
    salesforce: options.salesforce,
  });
  const tern = await startTern({
    config: loadConfig({
      TERN_PORT: "0",
      TERN_HOST: "127.0.0.1",
      TERN_DATA_DIR: dataDir,
      TERN_LOG_LEVEL: options.logLevel ?? "warn",
      TERN_SANDBOX: "off",
      ...options.env,
    }),
    fetch: options.fetch,
    logger: options.logger,
    clock: options.clock,
    resolveHost: options.resolveHost,
  });
  const api = createAdminClient(tern.url, tern.dataDir.adminToken);
  const close = async () => {
    sandbox.wa.deliverStatusesTo(null);
    await tern.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const setup = await provisionSandbox(api, sandbox, {
      flow: options.flow,
      connectionConfig: options.connectionConfig,
    });
    return { tern, sandbox, api, setup, close };
  } catch (error) {
    await close();
    throw error;
  }
}
