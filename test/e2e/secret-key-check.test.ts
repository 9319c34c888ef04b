import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { openDataStore } from "../../src/main.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";

/**
 * A process started with a key that does not open the database's secrets refuses to start and
 * names the key. An outside audit started Tern with another key and with the key file deleted:
 * it started, `/readyz` said "ready", every channel answered 500, and the lost key file was
 * replaced by a new one for good.
 */
describe("the secret key at start", () => {
  let dataDir: string;
  let database: TestDatabaseEnv;
  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-key-check-"));
    database = await testDatabaseEnv();
  });
  afterEach(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (env: Record<string, string | undefined> = {}) =>
    openDataStore(loadConfig({ TERN_DATA_DIR: dataDir, ...database.env, ...env }));
  const keyFile = () => path.join(dataDir, "secret.key");

  /** A channel whose secrets are sealed with the key the data directory (or env) has now. */
  const sealChannel = async () => {
    const { store } = await open();
    const now = Date.now();
    await store.write((tx) =>
      tx.channels.insert(
        {
          id: "ch_key",
          type: "whatsapp",
          name: "wa",
          config: { accessToken: "t0ken" },
          owner: "user",
          createdAt: now,
          updatedAt: now,
        },
        ["accessToken"],
      ),
    );
    await store.close();
  };

  it("opens with the key the secrets were sealed with", async () => {
    await sealChannel();
    const { store } = await open();
    expect((await store.channels.get("ch_key"))?.config.accessToken).toBe("t0ken");
    await store.close();
  });

  it("refuses another TERN_SECRET_KEY, naming the variable and the channel", async () => {
    await sealChannel();
    await expect(open({ TERN_SECRET_KEY: randomBytes(32).toString("hex") })).rejects.toThrow(
      /^TERN_SECRET_KEY does not open the secrets of channel "wa"\. Restore the key they were sealed with/,
    );
  });

  it.skipIf(testDialect !== "sqlite")(
    "refuses another key file, and a missing one without keeping a new key",
    async () => {
      await sealChannel();
      const original = await import("node:fs").then((fs) => fs.readFileSync(keyFile(), "utf8"));
      writeFileSync(keyFile(), `${randomBytes(32).toString("hex")}\n`);
      await expect(open()).rejects.toThrow(
        `The key in ${keyFile()} does not open the secrets of channel "wa"`,
      );
      unlinkSync(keyFile());
      await expect(open()).rejects.toThrow(
        `${keyFile()} is missing, and the database holds the secrets of channel "wa"`,
      );
      // The next start must not take a generated key for the real one.
      expect(existsSync(keyFile())).toBe(false);
      writeFileSync(keyFile(), original);
      const { store } = await open();
      expect((await store.channels.get("ch_key"))?.config.accessToken).toBe("t0ken");
      await store.close();
    },
  );

  it.skipIf(testDialect !== "sqlite")(
    "names the key file when it is not a key, not TERN_SECRET_KEY",
    async () => {
      await sealChannel();
      writeFileSync(keyFile(), "not a key\n");
      await expect(open()).rejects.toThrow(`The key file ${keyFile()} must be 32 bytes`);
    },
  );

  it.skipIf(testDialect !== "sqlite")(
    "refuses an admin-token file that holds no usable token, naming the file",
    async () => {
      const tokenFile = path.join(dataDir, "admin-token");
      for (const content of ["", "abc\n", "   \n", "has a space in it somewhere\n"]) {
        writeFileSync(tokenFile, content);
        await expect(open(), JSON.stringify(content)).rejects.toThrow(
          `${tokenFile} holds no usable admin token`,
        );
      }
    },
  );
});
