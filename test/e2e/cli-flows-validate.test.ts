import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtCli, packageRoot } from "../../src/core/paths.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../src/sandbox/salesforce/index.js";
import { testDialect } from "../helpers/dialect.js";
import { startBareTern } from "../helpers/in-process.js";

/** `tern flows validate`: offline it says the mappings were not checked; --server checks them against the org. */
const cli = builtCli();
const template = path.join(packageRoot(), "templates", "whatsapp-lead.json");

function runCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Tests that read files only and ask no server: once, in the sqlite project, not again in the postgres one. */
const offlineOnly = it.skipIf(testDialect === "postgres");

describe("tern flows validate and Salesforce mappings", () => {
  let sf: SalesforceEmulator;
  let tern: Awaited<ReturnType<typeof startBareTern>>;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-cli-validate-"));
    sf = await startSalesforceEmulator();
    tern = await startBareTern();
    env = { TERN_URL: tern.tern.url, TERN_ADMIN_TOKEN: tern.tern.dataDir.adminToken };
    const res = await fetch(`${tern.tern.url}/api/v1/connections`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.TERN_ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "salesforce", name: "salesforce", config: sf.credentials }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await tern?.close();
    await sf?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  offlineOnly(
    "offline: the template is valid and the Salesforce step is reported as not checked",
    async () => {
      const result = await runCli(["flows", "validate", template]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${template}: valid`);
      expect(result.stdout).toContain(
        `${template}: warning: $.steps[2]: step "create_lead": not checked against its connection (offline: run \`tern flows validate --server\``,
      );
    },
  );

  it("--server: names the missing Company and exits 1; the template passes", async () => {
    const flow = JSON.parse(readFileSync(template, "utf8")) as {
      steps: Array<{ fields?: Record<string, unknown> }>;
    };
    delete flow.steps[2]?.fields?.Company;
    const file = path.join(dir, "no-company.json");
    writeFileSync(file, JSON.stringify(flow));
    const result = await runCli(["flows", "validate", "--server", file, template], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `${file}: $.steps[2].fields: step "create_lead": Lead requires Company (Company)`,
    );
    expect(result.stdout).toContain(`${template}: valid`);
    // Checked against the org (this server has no WhatsApp channel: that is the only warning).
    expect(result.stdout).not.toContain("not checked");
    expect(result.stdout).toContain(`${template}: warning: $.trigger.channels[0]: no "whatsapp" channel`);
  });

  it("offline: a BOM is read past; bytes that are not UTF-8 are refused with where they are, not stored as U+FFFD", async () => {
    const text = readFileSync(template, "utf8");
    const bom = path.join(dir, "bom.json");
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const latin1 = path.join(dir, "latin1.json");
    writeFileSync(
      latin1,
      Buffer.from(text.replace("WhatsApp lead capture", "Caf\u00e9 leads").replace(/—/g, "-"), "latin1"),
    );
    const result = await runCli(["flows", "validate", bom, latin1]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${bom}: valid`);
    expect(result.stdout).toContain(
      `${latin1} is not UTF-8 text: byte 0xE9 at line 4 column 15 (Latin-1 or Windows-1252?); save the file as UTF-8`,
    );
    // Import refuses it too, before anything reaches the server.
    const imported = await runCli(["flows", "import", latin1], env);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain("is not UTF-8 text");
  });

  it("offline: a trigger channel type that does not exist is an error, as the server says at publish", async () => {
    const flow = JSON.parse(readFileSync(template, "utf8")) as { trigger: { channels: string[] } };
    flow.trigger.channels = ["whatsapp", "whatsap"];
    const file = path.join(dir, "typo-channel.json");
    writeFileSync(file, JSON.stringify(flow));
    const offline = await runCli(["flows", "validate", file]);
    expect(offline.code).toBe(1);
    expect(offline.stdout).toContain(
      `${file}: $.trigger.channels[1]: channel type "whatsap" does not exist; known types: whatsapp,`,
    );
    const server = await runCli(["flows", "validate", "--server", file], env);
    expect(server.code).toBe(1);
    expect(server.stdout).toContain(`${file}: $.trigger.channels[1]: channel type "whatsap" does not exist`);
  });

  offlineOnly(
    "offline: a <name>.test.json is checked as test cases, named or beside its flow, not as a flow",
    async () => {
      const flowFile = path.join(dir, "cases.json");
      writeFileSync(flowFile, readFileSync(template));
      const testFile = path.join(dir, "cases.test.json");
      const tests = { tests: [{ name: "starts", script: [{ say: "Hi" }] }] };
      writeFileSync(testFile, JSON.stringify(tests));
      // What `tern flows validate flows/*.json` passes when tests sit beside the flows.
      const named = await runCli(["flows", "validate", flowFile, testFile]);
      expect(named.stdout).toContain(`${testFile}: valid (test cases)`);
      expect(named.stdout).not.toContain(`${testFile}: $.schema`);
      expect(named.code).toBe(0);
      writeFileSync(
        testFile,
        JSON.stringify({ tests: [{ name: "starts", script: [{ say: "Hi", wait: 5 }] }] }),
      );
      const beside = await runCli(["flows", "validate", flowFile]);
      expect(beside.code).toBe(1);
      expect(beside.stdout).toContain(`${flowFile}: valid`);
      expect(beside.stdout).toContain(`${testFile}: $.tests[0].script[0]: unknown property "wait"`);
    },
  );

  offlineOnly(
    "offline: the 1 MB limit is on the flow as sent, not on the file's indentation (a large flow's export validates)",
    async () => {
      const flow = JSON.parse(readFileSync(template, "utf8")) as { tests: Array<{ script: unknown[] }> };
      // Many small script events: an export's indentation then weighs more than the flow itself.
      const script = Array.from({ length: 400 }, () => ({ expect: { contains: "Hi" } }));
      flow.tests = Array.from({ length: 40 }, (_, i) => ({ name: `case ${i}`, script }));
      const compact = JSON.stringify(flow);
      const indented = JSON.stringify(flow, null, 8);
      expect(compact.length).toBeLessThan(1024 * 1024);
      expect(indented.length).toBeGreaterThan(1024 * 1024);
      const file = path.join(dir, "large.json");
      writeFileSync(file, indented);
      const large = await runCli(["flows", "validate", file]);
      expect(large.stdout).toContain(`${file}: valid`);
      expect(large.code).toBe(0);
      flow.tests.push(...flow.tests, ...flow.tests);
      writeFileSync(file, JSON.stringify(flow));
      const tooLarge = await runCli(["flows", "validate", file]);
      expect(tooLarge.code).toBe(1);
      expect(tooLarge.stdout).toMatch(/is 1\.\d MB without its indentation: a flow is at most 1 MB/);
    },
  );
});
