import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import { packageRoot } from "../../src/core/paths.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../src/sandbox/salesforce/index.js";
import { testDialect } from "../helpers/dialect.js";
import { startBareTern } from "../helpers/in-process.js";

/**
 * Salesforce rejects concurrent refreshes of one refresh token, and many Tern processes share one
 * connection on PostgreSQL: the refresh must be single-flight across processes, not only within
 * one (an advisory lock around it; the processes that waited use the token the first stored).
 */
const PROCESSES = 20;

describe.skipIf(testDialect !== "postgres")(
  "one Salesforce token shared by many processes (PostgreSQL)",
  () => {
    let sf: SalesforceEmulator;
    let tern: Awaited<ReturnType<typeof startBareTern>>;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      sf = await startSalesforceEmulator();
      tern = await startBareTern();
      const api = createAdminClient(tern.tern.url, tern.tern.dataDir.adminToken);
      const { id } = (await api.request("POST", "/connections", {
        type: "salesforce",
        name: "salesforce",
        config: { ...sf.credentials },
      })) as { id: string };
      // Stores a token every process will find, then sees it expire.
      await api.request("POST", `/connections/${id}/test`);
    }, 60_000);
    afterAll(async () => {
      for (const child of children) child.kill("SIGKILL");
      await tern?.close();
      await sf?.close();
    });

    it(`${PROCESSES} processes hitting one expired token at once send one token request`, async () => {
      const env = { ...process.env, ...tern.env };
      const script = path.join(packageRoot(), "test", "helpers", "token-process.mjs");
      const outputs: Array<Promise<string>> = [];
      const ready: Array<Promise<void>> = [];
      for (let i = 0; i < PROCESSES; i++) {
        const child = spawn(process.execPath, [script], {
          env,
          stdio: ["pipe", "pipe", "pipe"],
        });
        children.push(child);
        let out = "";
        let err = "";
        child.stderr?.on("data", (d: Buffer) => {
          err += d.toString();
        });
        ready.push(
          new Promise<void>((resolve, reject) => {
            child.stdout?.on("data", (d: Buffer) => {
              out += d.toString();
              if (out.includes("ready\n")) resolve();
            });
            child.once("exit", (code) =>
              reject(new Error(`token process exited with ${code} before ready: ${err}`)),
            );
          }),
        );
        outputs.push(
          new Promise<string>((resolve) => {
            child.once("exit", () =>
              resolve(out.split("\n").find((l) => l.startsWith("{")) ?? `no result: ${err}`),
            );
          }),
        );
      }
      await Promise.all(ready);
      sf.expireAccessTokens();
      const before = sf.tokenRequests;
      for (const child of children) child.stdin?.write("go\n");
      const results = (await Promise.all(outputs)).map((line) => JSON.parse(line) as { ok: boolean });

      expect(results.filter((r) => r.ok)).toHaveLength(PROCESSES);
      expect(sf.tokenRequests - before).toBe(1);
      expect(sf.records("Lead")).toHaveLength(PROCESSES);
    }, 180_000);
  },
);
