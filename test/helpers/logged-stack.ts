import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAdminClient } from "../../src/cli/api-client.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { startTern, type Tern } from "../../src/main.js";
import { type Provisioned, provisionSandbox, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";

/**
 * Tern in this process wired to a fresh sandbox, like `startStack`, but with its log lines
 * captured (parsed JSON) and a clock the test can move forward.
 */
export interface LoggedStack {
  tern: Tern;
  sandbox: Sandbox;
  setup: Provisioned;
  logs: Array<Record<string, unknown> & { msg: string; level: number }>;
  advanceClock(ms: number): void;
  http(method: string, apiPath: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startLoggedStack(env: Record<string, string> = {}): Promise<LoggedStack> {
  const logs: LoggedStack["logs"] = [];
  const logger = createLogger("info", {
    write(line: string) {
      logs.push(JSON.parse(line));
    },
  });
  let offsetMs = 0;
  const dataDir = mkdtempSync(path.join(tmpdir(), "tern-"));
  const sandbox = await startSandbox();
  const tern = await startTern({
    config: loadConfig({
      TERN_PORT: "0",
      TERN_HOST: "127.0.0.1",
      TERN_DATA_DIR: dataDir,
      TERN_SANDBOX: "off",
      ...env,
    }),
    logger,
    clock: { now: () => Date.now() + offsetMs },
  });
  const close = async () => {
    sandbox.wa.deliverStatusesTo(null);
    await tern.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const setup = await provisionSandbox(createAdminClient(tern.url, tern.dataDir.adminToken), sandbox);
    return {
      tern,
      sandbox,
      setup,
      logs,
      advanceClock(ms) {
        offsetMs += ms;
      },
      http(method, apiPath, body) {
        return fetch(`${tern.url}${apiPath}`, {
          method,
          headers: {
            authorization: `Bearer ${tern.dataDir.adminToken}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
