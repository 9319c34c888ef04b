import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { processSecrets, spawnTern } from "../../src/sandbox/tern-process.js";
import { migrations } from "../../src/store/migrations.js";
import { testDialect } from "../helpers/dialect.js";
import { runCli } from "../helpers/run-cli.js";

// These open no database of the test's dialect (settings, fixed URLs): they run once, in the
// sqlite project, instead of again, unchanged, in the postgres one.
const onceForBothDialects = testDialect === "postgres";

describe.skipIf(onceForBothDialects)("tern given settings a shell or a template got wrong", () => {
  it("refuses numbers that are not decimal digits, naming the setting, without a stack trace", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-cli-settings-"));
    try {
      const worker = await runCli(["worker", "--concurrency", "1e3"], { TERN_DATA_DIR: dataDir });
      expect(worker.code).toBe(1);
      expect(worker.stderr).toContain("--concurrency must be a whole number from 1 to 10000");
      const serve = await runCli(["serve"], {
        TERN_DATA_DIR: dataDir,
        TERN_PORT: "0x10",
        TERN_LOGLEVEL: "debug",
      });
      expect(serve.code).toBe(1);
      expect(serve.stderr).toContain("TERN_PORT: a whole number in decimal digits");
      // Every problem in one go: the misspelt name too, not only on the next start.
      expect(serve.stderr).toContain(
        "TERN_LOGLEVEL is not a Tern setting and is ignored (did you mean TERN_LOG_LEVEL?)",
      );
      expect(`${worker.stderr}${serve.stderr}`).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("warns about each TERN_ variable it does not read, naming the setting meant, and still starts", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-cli-typos-"));
    try {
      const migrate = await runCli(["migrate"], {
        TERN_DATA_DIR: dataDir,
        TERN_LOGLEVEL: "debug",
        TERN_DATABASE_URL: "postgres://nowhere/x",
        TERN_SANDBOXX: "off",
        TERN_FROBNICATE: "1",
        TERN_URL: "http://localhost:3000",
        DATABSE_URL: "postgres://nowhere/x",
      });
      expect(migrate.code).toBe(0);
      expect(migrate.stderr).toContain(
        "TERN_LOGLEVEL is not a Tern setting and is ignored (did you mean TERN_LOG_LEVEL?)",
      );
      expect(migrate.stderr).toContain(
        "TERN_DATABASE_URL is not a Tern setting and is ignored (did you mean DATABASE_URL?)",
      );
      expect(migrate.stderr).toContain(
        "TERN_SANDBOXX is not a Tern setting and is ignored (did you mean TERN_SANDBOX?)",
      );
      expect(migrate.stderr).toContain("TERN_FROBNICATE is not a Tern setting and is ignored.");
      // Without the prefix, the one setting that has none: else SQLite, silently, for PostgreSQL.
      expect(migrate.stderr).toContain(
        "DATABSE_URL is not a Tern setting and is ignored (did you mean DATABASE_URL?)",
      );
      // Read by the CLI's admin commands: not a typo.
      expect(migrate.stderr).not.toContain("TERN_URL");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("serve warns once when TERN_PUBLIC_URL is plain http:// on a host other than loopback, and starts", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tern-cli-public-url-"));
    const secrets = processSecrets();
    const [plain, local] = await Promise.all([
      spawnTern({
        dataDir: path.join(dataDir, "a"),
        ...secrets,
        env: { TERN_PUBLIC_URL: "http://tern.example.com" },
      }),
      spawnTern({
        dataDir: path.join(dataDir, "b"),
        ...secrets,
        env: { TERN_PUBLIC_URL: "http://localhost:3000" },
      }),
    ]);
    try {
      const warning = "TERN_PUBLIC_URL is plain http:// (http://tern.example.com)";
      expect(plain.output().split(warning)).toHaveLength(2);
      expect(plain.output()).toContain("Salesforce accepts only https:// callback URLs");
      expect((await fetch(`${plain.url}/healthz`)).status).toBe(200);
      expect(local.output()).not.toContain("plain http://");
    } finally {
      await Promise.all([plain.stop(), local.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("says which setting to fix when the start fails: port, data directory, database file, PostgreSQL, a newer schema", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tern-cli-start-"));
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = taken.address() as { port: number };
      const file = path.join(dir, "a-file");
      writeFileSync(file, "");
      mkdirSync(path.join(dir, "b"));
      writeFileSync(path.join(dir, "b", "tern.db"), "this is not SQLite, not even close".repeat(4));
      // The server answers and refuses: a user or a database that does not exist.
      const server = new URL(process.env.TERN_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
      const refusedEnv = (url: URL) => ({
        TERN_DATA_DIR: path.join(dir, "c"),
        DATABASE_URL: url.toString(),
        TERN_SECRET_KEY: "ab".repeat(32),
        TERN_ADMIN_TOKEN: "tern_0123456789abcdef",
      });
      const noUser = new URL(server);
      noUser.username = "tern_no_such_user";
      noUser.password = "Sup3rS3cret";
      const noDatabase = new URL(server);
      noDatabase.pathname = "/tern_no_such_database";
      // Independent starts, each its own process: at once (one after another took ~14 s on CI).
      const [busy, notDir, damaged, unreachable, refusedUser, refusedDatabase] = await Promise.all([
        runCli(["serve"], {
          TERN_DATA_DIR: path.join(dir, "a"),
          TERN_PORT: String(port),
          TERN_HOST: "127.0.0.1",
          TERN_SANDBOX: "off",
        }),
        runCli(["migrate"], { TERN_DATA_DIR: file }),
        runCli(["migrate"], { TERN_DATA_DIR: path.join(dir, "b") }),
        runCli(["migrate"], {
          TERN_DATA_DIR: path.join(dir, "c"),
          DATABASE_URL: "postgres://tern:Sup3rS3cret@127.0.0.1:1/tern",
          TERN_SECRET_KEY: "ab".repeat(32),
          TERN_ADMIN_TOKEN: "tern_0123456789abcdef",
        }),
        runCli(["migrate"], refusedEnv(noUser)),
        runCli(["migrate"], refusedEnv(noDatabase)),
      ]);
      expect(busy.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(notDir.stderr).toContain(`TERN_DATA_DIR ${file} cannot be used (EEXIST`);
      expect(damaged.stderr).toContain(
        `The database ${path.join(dir, "b", "tern.db")} is damaged or is not a Tern database`,
      );
      expect(unreachable.stderr).toContain(
        "Cannot connect to PostgreSQL at postgres://tern:***@127.0.0.1:1/tern",
      );
      for (const refused of [refusedUser, refusedDatabase]) {
        expect(refused.stderr).toMatch(
          /^PostgreSQL at postgres:\/\/.* refused the connection \(.*\): check the user, password and database name in DATABASE_URL\./,
        );
      }
      expect(refusedUser.stderr).toContain("tern_no_such_user");
      expect(refusedDatabase.stderr).toContain("tern_no_such_database");
      // A schema newer than this build: the refusal names SCHEMA_TOO_NEW, as the docs say.
      const newer = path.join(dir, "d");
      // A new database takes every migration and says so; run again, it takes none.
      const fresh = await runCli(["migrate"], { TERN_DATA_DIR: newer });
      expect(fresh.code).toBe(0);
      const newest = migrations.at(-1)?.version;
      expect(fresh.stdout.match(/^Applied migration \d+ /gm)).toHaveLength(migrations.length);
      expect(fresh.stdout).toContain(`Applied migration 2 (integration_owner)\n`);
      expect(fresh.stdout).toContain(`Database is up to date at schema version ${newest}: `);
      const again = await runCli(["migrate"], { TERN_DATA_DIR: newer });
      expect(again.stdout).toBe(
        `Database is up to date at schema version ${newest}: ${path.join(newer, "tern.db")}\n`,
      );
      const db = new BetterSqlite3(path.join(newer, "tern.db"));
      db.prepare(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99999, 'future', 1)",
      ).run();
      db.close();
      const tooNew = await runCli(["migrate"], { TERN_DATA_DIR: newer });
      expect(tooNew.stderr).toMatch(
        /^SCHEMA_TOO_NEW: database schema is at version 99999, this Tern knows up to \d+/,
      );
      for (const result of [busy, notDir, damaged, unreachable, refusedUser, refusedDatabase, tooNew]) {
        expect(result.code).toBe(1);
        expect(result.stderr).not.toMatch(/\n\s+at |Sup3rS3cret/);
      }
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("says in one paragraph what is wrong with DATABASE_URL: TLS the server lacks, a broken %-encoding", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tern-cli-dburl-"));
    try {
      const env = (url: string) => ({
        TERN_DATA_DIR: dir,
        DATABASE_URL: url,
        TERN_SECRET_KEY: "ab".repeat(32),
        TERN_ADMIN_TOKEN: "tern_0123456789abcdef",
      });
      // The test server has no TLS: pg printed its multi-line SECURITY WARNING, then a bare line.
      const server = new URL(process.env.TERN_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
      server.password = "Sup3rS3cret";
      server.search = "?sslmode=require";
      const tls = await runCli(["migrate"], env(server.toString()));
      expect(tls.stderr).not.toContain("SECURITY WARNING");
      expect(tls.stderr.trim()).toMatch(
        /^PostgreSQL at postgres:\/\/.*\?sslmode=require does not accept TLS connections, and DATABASE_URL asks for TLS \(sslmode=require, [^\n]*set sslmode=disable in DATABASE_URL\.$/,
      );
      // pg read "%ZZ" as literal characters, and the operator saw only "password authentication failed".
      const badPercent = await runCli(["migrate"], env("postgres://tern:Sup3rS3cret%ZZ@127.0.0.1:1/tern"));
      expect(badPercent.stderr.trim()).toBe(
        "Invalid configuration:\n  DATABASE_URL: the password has a % that is not followed by two hexadecimal digits (percent-encoding, %XX): write a % that is part of the password as %25 (and @ as %40, : as %3A, / as %2F, ? as %3F, # as %23)",
      );
      for (const result of [tls, badPercent]) {
        expect(result.code).toBe(1);
        expect(result.stderr).not.toMatch(/\n\s+at |Sup3rS3cret/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never prints a password put in TERN_URL, and says when TERN_URL is not Tern", async () => {
    const withPassword = await runCli(["flows", "versions", "fl_x"], {
      TERN_URL: "http://admin:Sup3rS3cret@127.0.0.1:9",
      TERN_ADMIN_TOKEN: "tern_0123456789abcdef",
    });
    expect(withPassword.code).toBe(1);
    expect(withPassword.stderr).toContain("Cannot reach Tern at http://admin:***@127.0.0.1:9");
    expect(withPassword.stderr).not.toContain("Sup3rS3cret");

    const { createServer } = await import("node:http");
    const page = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<!DOCTYPE html>"),
    );
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = page.address() as { port: number };
      const notTern = await runCli(["flows", "versions", "fl_x"], {
        TERN_URL: `http://127.0.0.1:${port}`,
        TERN_ADMIN_TOKEN: "tern_0123456789abcdef",
      });
      expect(notTern.code).toBe(1);
      expect(notTern.stderr).toContain("a body that is not JSON: is TERN_URL the address of Tern?");
      expect(notTern.stderr).not.toMatch(/\n\s+at /);
    } finally {
      page.close();
    }
  });
});
