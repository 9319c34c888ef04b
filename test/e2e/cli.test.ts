import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";
import { runCli } from "../helpers/run-cli.js";

/** The `tern` command line as a user runs it (helpers/run-cli.ts), on the lead template. */
const template = path.join(packageRoot(), "templates", "whatsapp-lead.json");

/** A flow whose only step points at a step that does not exist. */
const invalidFlow = {
  schema: "tern.flow/v1",
  name: "Broken",
  trigger: { type: "message", channels: ["whatsapp"] },
  steps: [{ id: "hello", type: "send", text: "Hi", next: "nowhere" }],
};

// This group opens no database of the test's dialect (files): it runs once, in the sqlite project,
// instead of again, unchanged, in the postgres one (as cli-settings.test.ts does).
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
