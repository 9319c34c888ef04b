import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import { loadConfig } from "../../src/config.js";
import { builtCli } from "../../src/core/paths.js";
import { createSecretBox, parseSecretKey } from "../../src/core/secrets.js";
import { startTern } from "../../src/main.js";
import { createCustomer, provisionSandbox, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";
import { processSecrets, spawnTern } from "../../src/sandbox/tern-process.js";
import { finishKeyRotation, rotateSecretKey } from "../../src/store/key-rotation.js";
import { readSealedValues } from "../../src/store/sealed-values.js";
import { testDialect } from "../helpers/dialect.js";

/**
 * `tern keys rotate` on a data directory holding a Salesforce connection (with its cached
 * OAuth token) and a WhatsApp channel, wired to the emulators.
 */
const cli = builtCli();

function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    // An empty value unsets the variable for the child.
    const full: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const [name, value] of Object.entries(full)) if (value === "") delete full[name];
    execFile(process.execPath, [cli, ...args], { env: full, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

const sealedOf = (dir: string) => {
  const db = new BetterSqlite3(path.join(dir, "tern.db"));
  try {
    return readSealedValues(db).map((v) => ({ kind: v.kind, sealed: v.sealed }));
  } finally {
    db.close();
  }
};

const opensAll = (dir: string, key: string) => {
  const box = createSecretBox(parseSecretKey(key));
  return sealedOf(dir).every((v) => {
    try {
      box.open(v.sealed);
      return true;
    } catch {
      return false;
    }
  });
};

const keyFile = (dir: string) => path.join(dir, "secret.key");
const readKey = (dir: string) => readFileSync(keyFile(dir), "utf8").trim();

// Rotation rewrites the SQLite file in the data directory (`src/store/key-rotation.ts`); it does
// not reach a PostgreSQL database yet, so on the postgres project these tests are reported skipped.
describe.skipIf(testDialect !== "sqlite")("tern keys rotate", () => {
  let sandbox: Sandbox;
  let dir: string;

  /** Tern in this process on `dir`; `secretKey` as TERN_SECRET_KEY, or the key file when absent. */
  const start = (secretKey?: string) =>
    startTern({
      config: loadConfig({
        TERN_PORT: "0",
        TERN_BURST_WINDOW_MS: "0",
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dir,
        TERN_LOG_LEVEL: "silent",
        TERN_SANDBOX: "off",
        ...(secretKey ? { TERN_SECRET_KEY: secretKey } : {}),
      }),
    });

  /** A connection test refreshes the OAuth token with the sealed client secret and refresh token. */
  const testConnection = async (tern: Awaited<ReturnType<typeof start>>, connectionId: string) =>
    (await createAdminClient(tern.url, tern.dataDir.adminToken).request(
      "POST",
      `/connections/${connectionId}/test`,
    )) as { ok: boolean };

  /** Provisions a connection (with a token) and a channel, then stops Tern. */
  const provision = async (secretKey?: string) => {
    const tern = await start(secretKey);
    try {
      const setup = await provisionSandbox(createAdminClient(tern.url, tern.dataDir.adminToken), sandbox);
      expect((await testConnection(tern, setup.connectionId)).ok).toBe(true);
      return setup;
    } finally {
      await tern.close();
    }
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-keys-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("re-encrypts the connection, the channel and the token under a new key that Tern then starts on", async () => {
    const setup = await provision();
    const oldKey = readKey(dir);
    const before = sealedOf(dir);
    expect(before.map((v) => v.kind).sort()).toEqual(["channel", "connection", "token"]);

    const lines: string[] = [];
    const result = rotateSecretKey({ root: dir, print: (l) => lines.push(l) });

    expect(result.counts).toEqual({ connection: 1, channel: 1, token: 1 });
    expect(lines.join("\n")).toContain("Re-encrypting 1 connection, 1 channel and 1 token");
    expect(lines.join("\n")).toContain("Tern must be stopped");
    expect(readKey(dir)).toBe(result.newKey);
    expect(result.newKey).not.toBe(oldKey);
    expect(statSync(keyFile(dir)).mode & 0o777).toBe(0o600);
    expect(existsSync(`${keyFile(dir)}.new`)).toBe(false);
    expect(opensAll(dir, oldKey)).toBe(false);
    expect(opensAll(dir, result.newKey)).toBe(true);
    for (const [i, value] of sealedOf(dir).entries()) expect(value.sealed).not.toBe(before[i]?.sealed);

    const tern = await start();
    try {
      // The database Tern writes to, and its WAL and SHM files, are the owner's alone.
      for (const suffix of ["", "-wal", "-shm"]) {
        expect(statSync(path.join(dir, `tern.db${suffix}`)).mode & 0o777).toBe(0o600);
      }
      // The sealed client secret and refresh token still reach Salesforce...
      expect((await testConnection(tern, setup.connectionId)).ok).toBe(true);
      // ...and the sealed app secret still verifies Meta's signature.
      const customer = createCustomer(
        sandbox,
        setup.webhookUrl.replace(/^http:\/\/[^/]+/, tern.url),
        "15550001111",
      );
      expect((await customer.say("hello after rotation")).status).toBe(200);
    } finally {
      await tern.close();
    }
  });

  it("refuses while Tern runs on the data directory, and changes nothing", async () => {
    await provision();
    const before = sealedOf(dir);
    const key = readKey(dir);
    const tern = await start();
    try {
      expect(() => rotateSecretKey({ root: dir, print: () => {} })).toThrow(
        /tern\.db is in use by another process \(a running Tern\?\): stop Tern first\. Nothing was changed\./,
      );
    } finally {
      await tern.close();
    }
    expect(sealedOf(dir)).toEqual(before);
    expect(readKey(dir)).toBe(key);
    expect(existsSync(`${keyFile(dir)}.new`)).toBe(false);
    // Stopped, it rotates.
    expect(rotateSecretKey({ root: dir, print: () => {} }).newKey).not.toBe(key);
  });

  it("refuses when the current key does not open the secrets, and changes nothing", async () => {
    await provision();
    const before = sealedOf(dir);
    const wrongKey = "cd".repeat(32);
    writeFileSync(keyFile(dir), `${wrongKey}\n`);

    expect(() => rotateSecretKey({ root: dir, print: () => {} })).toThrow(
      /current key \(.*secret\.key\) does not open the secrets of connection "salesforce".*Nothing was changed/,
    );
    expect(sealedOf(dir)).toEqual(before);
    expect(readKey(dir)).toBe(wrongKey);
    expect(existsSync(`${keyFile(dir)}.new`)).toBe(false);
  });

  it("refuses a database migrated by a newer Tern, and changes nothing", async () => {
    await provision();
    const before = sealedOf(dir);
    const key = readKey(dir);
    // A newer Tern's migration, which may keep secrets in a table this one does not know.
    const db = new BetterSqlite3(path.join(dir, "tern.db"));
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    db.close();

    expect(() => rotateSecretKey({ root: dir, print: () => {} })).toThrow(
      /SCHEMA_TOO_NEW: database schema is at version 999, this Tern knows up to \d+.*Nothing was changed\./,
    );
    expect(sealedOf(dir)).toEqual(before);
    expect(readKey(dir)).toBe(key);
    expect(existsSync(`${keyFile(dir)}.new`)).toBe(false);
  });

  it("on start, finishes a rotation that committed but stopped before renaming secret.key.new", async () => {
    const setup = await provision();
    const oldKey = readKey(dir);
    const { newKey } = rotateSecretKey({ root: dir, print: () => {} });
    // The state a crash between the commit and the rename leaves behind.
    renameSync(keyFile(dir), `${keyFile(dir)}.new`);
    writeFileSync(keyFile(dir), `${oldKey}\n`, { mode: 0o600 });

    const tern = await start();
    try {
      expect(readKey(dir)).toBe(newKey);
      expect(existsSync(`${keyFile(dir)}.new`)).toBe(false);
      expect((await testConnection(tern, setup.connectionId)).ok).toBe(true);
    } finally {
      await tern.close();
    }
  });

  it("on start, drops a secret.key.new whose rotation never committed (or was torn)", async () => {
    await provision();
    const oldKey = readKey(dir);
    writeFileSync(`${keyFile(dir)}.new`, `${"ef".repeat(32)}\n`);
    expect(finishKeyRotation(dir)).toBe("rolled back");
    expect(readKey(dir)).toBe(oldKey);
    expect(existsSync(`${keyFile(dir)}.new`)).toBe(false);

    writeFileSync(`${keyFile(dir)}.new`, "ef".repeat(7));
    expect(finishKeyRotation(dir)).toBe("rolled back");
    expect(readKey(dir)).toBe(oldKey);
    expect(opensAll(dir, oldKey)).toBe(true);
  });

  describe("as a process", () => {
    beforeAll(() => {
      if (!existsSync(cli)) throw new Error("run `npm run build` first: this test runs dist/");
    });

    it("rotates the key file and says what it re-encrypted", async () => {
      await provision();
      const oldKey = readKey(dir);
      const result = await runCli(["keys", "rotate"], { TERN_DATA_DIR: dir, TERN_SECRET_KEY: "" });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("Re-encrypting 1 connection, 1 channel and 1 token");
      expect(result.stdout).toContain(`The new key is in ${keyFile(dir)}`);
      expect(result.stdout).not.toContain(readKey(dir));
      expect(opensAll(dir, oldKey)).toBe(false);
      expect(opensAll(dir, readKey(dir))).toBe(true);
    });

    it("with TERN_SECRET_KEY, prints the new key, writes no file, and Tern starts on the new key", async () => {
      const { adminToken, secretKey } = processSecrets();
      const setup = await provision(secretKey);
      const result = await runCli(["keys", "rotate"], { TERN_DATA_DIR: dir, TERN_SECRET_KEY: secretKey });
      expect(result.code).toBe(0);
      const printed = /TERN_SECRET_KEY=([0-9a-f]{64})/.exec(result.stdout)?.[1];
      expect(printed).toBeDefined();
      expect(existsSync(keyFile(dir))).toBe(false);
      expect(opensAll(dir, secretKey)).toBe(false);
      expect(opensAll(dir, printed!)).toBe(true);

      const tern = await spawnTern({ dataDir: dir, adminToken, secretKey: printed! });
      try {
        const api = createAdminClient(tern.url, adminToken);
        expect(await api.request("POST", `/connections/${setup.connectionId}/test`)).toMatchObject({
          ok: true,
        });
      } finally {
        await tern.stop();
      }
    });

    it("exits 1 with a clear message when the key does not open the secrets", async () => {
      await provision();
      const result = await runCli(["keys", "rotate"], {
        TERN_DATA_DIR: dir,
        TERN_SECRET_KEY: "ab".repeat(32),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /The current key \(TERN_SECRET_KEY\) does not open the secrets.*Nothing was changed/,
      );
    });

    it("says in its help that Tern must be stopped", async () => {
      const result = await runCli(["keys", "rotate", "--help"], {});
      expect(result.stdout).toContain("Stop Tern first");
      expect(result.stdout).toContain("TERN_SECRET_KEY");
    });
  });
});
