import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { builtCli, packageRoot } from "../../src/core/paths.js";
import { processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { migrations } from "../../src/store/migrations.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";

/** The `tern` command line as a user runs it: the built CLI in its own process. */
const cli = builtCli();
const template = path.join(packageRoot(), "templates", "whatsapp-lead.json");

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new Error(`tern ${args.join(" ")} did not finish: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A flow whose only step points at a step that does not exist. */
const invalidFlow = {
  schema: "tern.flow/v1",
  name: "Broken",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "hello", type: "send", text: "Hi", next: "nowhere" }],
};

// These two groups open no database of the test's dialect (files, settings, fixed URLs): they run
// once, in the sqlite project, instead of again, unchanged, in the postgres one.
const onceForBothDialects = testDialect === "postgres";

describe.skipIf(onceForBothDialects)("tern flows (offline)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-cli-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("validates the shipped lead template and says it is valid", async () => {
    const result = await runCli(["flows", "validate", template]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${template}: valid`);
    expect(result.stderr).toBe("");
  });

  it("says on which line and column a flow file stops being JSON", async () => {
    const file = path.join(dir, "not-json.json");
    writeFileSync(file, '{\n  "schema": "tern.flow/v1",\n  "name" "x"\n}\n');
    const result = await runCli(["flows", "validate", file]);
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/not valid JSON: .*\(line 3 column 10\)/);
  });

  it("exits 1 for an invalid flow and prints each problem with its JSONPath", async () => {
    const file = path.join(dir, "broken.json");
    writeFileSync(file, JSON.stringify({ ...invalidFlow, start: "hello" }));
    const result = await runCli(["flows", "validate", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${file}: $.steps[0].next: `);
    expect(result.stdout).toContain('"nowhere"');
    expect(result.stdout).not.toContain(": valid");
  });

  it("prints every problem of a flow with several, one per line", async () => {
    const file = path.join(dir, "broken.json");
    writeFileSync(file, JSON.stringify({ ...invalidFlow, start: "ghost" }));
    const result = await runCli(["flows", "validate", file]);
    expect(result.code).toBe(1);
    const problems = result.stdout.split("\n").filter((l) => l.startsWith(`${file}: $`));
    expect(problems).toHaveLength(2);
    expect(problems.some((l) => l.startsWith(`${file}: $.start: `) && l.includes('"ghost"'))).toBe(true);
    expect(problems.some((l) => l.startsWith(`${file}: $.steps[0].next: `))).toBe(true);
  });

  it("says which files it could not read (a directory, a missing file) and still checks the others", async () => {
    const missing = path.join(dir, "missing.json");
    const result = await runCli(["flows", "validate", dir, missing, template]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${dir} is a directory, not a flow file`);
    expect(result.stdout).toContain(`${missing}: no such file`);
    expect(result.stdout).toContain(`${template}: valid`);
  });

  it("prints its version, and tells a command's own --version from it", async () => {
    const version = await runCli(["--version"]);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version,
    );
    const publish = await runCli(["flows", "publish", "fl_x", "--version", "abc"]);
    expect(publish.code).toBe(1);
    expect(publish.stderr).toContain('--version must be a version number (1, 2, …), not "abc"');
    // export checks it the same way, before asking the server ("?version=NaN").
    const exported = await runCli(["flows", "export", "fl_x", "--version", "abc"]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain('--version must be a version number (1, 2, …), not "abc"');
    expect(exported.stderr).not.toContain("NaN");
  });

  it("rejects a file that is not JSON with a clear message and no stack trace", async () => {
    const file = path.join(dir, "notes.json");
    writeFileSync(file, "name: not json at all\n");
    const result = await runCli(["flows", "validate", file]);
    expect(result.code).not.toBe(0);
    // A file's problems are lines of the report on stdout, as an invalid flow's are.
    expect(result.stdout).toContain(`${file} is not valid JSON`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

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

// Each test runs the CLI as a child process four or five times (about 2 s of Node start each
// here, alone): under a loaded full suite that outgrew vitest's 30 s default.
describe("tern flows against a running server", { timeout: 90_000 }, () => {
  let dataDir: string;
  let workDir: string;
  let tern: TernProcess | null = null;
  let database: TestDatabaseEnv;
  const secrets = processSecrets();
  const cliEnv = () => ({ TERN_URL: tern!.url, TERN_ADMIN_TOKEN: secrets.adminToken });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-cli-data-"));
    workDir = mkdtempSync(path.join(tmpdir(), "tern-cli-files-"));
    database = await testDatabaseEnv(secrets);
    tern = await spawnTern({ dataDir, ...secrets, noWorker: true, env: database.env });
  });
  afterAll(async () => {
    await tern?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it("imports and publishes a flow file, then exports it unchanged", async () => {
    // Publishing checks that the flow's channel type and connection exist in this installation.
    const admin = (apiPath: string, body: unknown) =>
      fetch(`${tern!.url}/api/v1${apiPath}`, {
        method: "POST",
        headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const channel = await admin("/channels", {
      type: "whatsapp",
      name: "whatsapp",
      config: { phoneNumberId: "100", accessToken: "t", appSecret: "s", verifyToken: "v" },
    });
    expect(channel.status).toBe(201);
    const connection = await admin("/connections", {
      type: "salesforce",
      name: "salesforce",
      config: { loginUrl: "http://127.0.0.1:9", clientId: "id", clientSecret: "s", refreshToken: "r" },
    });
    expect(connection.status).toBe(201);
    const imported = await runCli(["flows", "import", template, "--publish"], cliEnv());
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const match = /Imported .* as flow (\S+) version (\d+)/.exec(imported.stdout);
    expect(match).not.toBeNull();
    const [, flowId, version] = match!;
    expect(version).toBe("1");
    expect(imported.stdout).toContain(`Published flow ${flowId} version 1`);

    const res = await fetch(`${tern!.url}/api/v1/flows/${flowId}`, {
      headers: { authorization: `Bearer ${secrets.adminToken}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: flowId, latestVersion: 1, publishedVersion: 1 });

    const exported = await runCli(["flows", "export", flowId!], cliEnv());
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual(JSON.parse(readFileSync(template, "utf8")));
    // Deterministic: the CLI writes the server's canonical bytes, and importing them and exporting
    // again gives the same bytes.
    const served = await fetch(`${tern!.url}/api/v1/flows/${flowId}/export`, {
      headers: { authorization: `Bearer ${secrets.adminToken}` },
    });
    expect(exported.stdout).toBe(await served.text());
    const file = path.join(workDir, "exported.json");
    writeFileSync(file, exported.stdout);
    const again = await runCli(["flows", "import", file], cliEnv());
    const againId = /as flow (\S+) version/.exec(again.stdout)![1]!;
    expect((await runCli(["flows", "export", againId], cliEnv())).stdout).toBe(exported.stdout);
  });

  it("prints the API's problems with their paths and exits non-zero when importing an invalid flow", async () => {
    const file = path.join(workDir, "broken.json");
    writeFileSync(file, JSON.stringify({ ...invalidFlow, start: "hello" }));
    const result = await runCli(["flows", "import", file, "--publish"], cliEnv());
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain("Imported");
    expect(result.stderr).toContain("FLOW_INVALID");
    expect(result.stderr).toMatch(/^ {2}\$\.steps\[0\]\.next: .*nowhere/m);
    // Once, one a line: not again inside the message before the list.
    expect(result.stderr.match(/\$\.steps\[0\]\.next: /g)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("keeps a flow whose publish was refused, says how to publish it, and publishes it once the fix is in place", async () => {
    const file = path.join(workDir, "needs-crm.json");
    const flow = JSON.parse(readFileSync(template, "utf8")) as { steps: Array<{ connection?: string }> };
    for (const step of flow.steps) if (step.connection) step.connection = "crm-later";
    writeFileSync(file, JSON.stringify(flow));
    const refused = await runCli(["flows", "import", file, "--publish"], cliEnv());
    expect(refused.code).not.toBe(0);
    const flowId = /as flow (\S+) version 1/.exec(refused.stdout)![1]!;
    // The import's own warnings are printed, not only the API's answer to the publish.
    expect(refused.stdout).toMatch(/^warning: \$\.steps\[\d+\]\.connection: .*crm-later/m);
    expect(refused.stderr).toContain(`publish it again (tern flows publish ${flowId}`);
    expect(refused.stderr).toMatch(/no connection named "crm-later"/);

    const connection = await fetch(`${tern!.url}/api/v1/connections`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "salesforce",
        name: "crm-later",
        config: { loginUrl: "http://127.0.0.1:9", clientId: "id", clientSecret: "s", refreshToken: "r" },
      }),
    });
    expect(connection.status).toBe(201);
    const published = await runCli(["flows", "publish", flowId], cliEnv());
    expect(published.code).toBe(0);
    // A sentence like the other commands', not the API's JSON.
    expect(published.stdout).toMatch(new RegExp(`^Published flow ${flowId} version \\d+`));
  });

  it("lists versions and prints a readable diff between two of them", async () => {
    const first = await runCli(["flows", "import", template], cliEnv());
    const flowId = /as flow (\S+) version/.exec(first.stdout)![1]!;
    const changed = JSON.parse(readFileSync(template, "utf8")) as {
      name: string;
      steps: Array<{ id: string; text?: string }>;
    };
    changed.name = "Lead capture v2";
    changed.steps[0]!.text = "Hello! Your name?";
    const file = path.join(workDir, "v2.json");
    writeFileSync(file, JSON.stringify(changed));
    expect((await runCli(["flows", "import", file, "--id", flowId, "--publish"], cliEnv())).code).toBe(0);

    const versions = await runCli(["flows", "versions", flowId], cliEnv());
    expect(versions.stdout).toMatch(/^\* v2 {2}created \S+, last published \S+\n {2}v1 {2}created \S+\n$/);
    const diff = await runCli(["flows", "diff", flowId, "1", "2"], cliEnv());
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('  ~ $.name: "WhatsApp lead capture" → "Lead capture v2"\n');
    expect(diff.stdout).toContain(`~ step ${changed.steps[0]!.id} (ask)\n  ~ $.steps[0].text: `);
  });

  it("says Tern cannot be reached when the server is stopped", async () => {
    const url = tern!.url;
    await tern!.stop();
    tern = null;
    const result = await runCli(["flows", "import", template], {
      TERN_URL: url,
      TERN_ADMIN_TOKEN: secrets.adminToken,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`Cannot reach Tern at ${url}`);
    expect(result.stdout).toBe("");
  });
});
