import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCustomer, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";
import {
  type AdminApi,
  adminApi,
  answers,
  createChannel,
  createConnection,
  importTemplate,
} from "../helpers/real-thing.js";

/**
 * Finding 3 of issue 5, as a new user meets it: `npm start` with nothing configured (the
 * built-in sandbox runs), then the README's "Connect the real thing" against the user's own org
 * and Meta app — here a second Salesforce emulator and WhatsApp simulator.
 */
describe("the built-in sandbox steps aside for the real thing", () => {
  let dataDir: string;
  let tern: TernProcess | null = null;
  let org: Sandbox;
  let database: TestDatabaseEnv;
  const secrets = processSecrets();

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-aside-"));
    database = await testDatabaseEnv(secrets);
    org = await startSandbox();
  });
  afterEach(async () => {
    org.wa.deliverStatusesTo(null);
    await tern?.stop();
    tern = null;
    await org.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const converse = async (webhookUrl: string, from: string) => {
    const customer = createCustomer(org, webhookUrl, from);
    for (const [i, text] of ["Hi, I'd like a quote", "Ada Lovelace", "Analytical Engines"].entries()) {
      expect((await customer.say(text)).status).toBe(200);
      await customer.waitForReplies(i + 1);
    }
    return customer.received();
  };

  const sandboxIsOff = async (api: AdminApi) => {
    expect((await api("GET", "/sandbox")).body).toMatchObject({ isOn: false });
    const refused = await api("POST", "/sandbox/messages", { from: "15550000001", text: "Hi" });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe("SANDBOX_OFF");
    expect(refused.body.error?.message).toContain("real channel or connection is configured");
    expect((await api("GET", "/sandbox/conversations/15550000001")).status).toBe(409);
  };

  it("after a zero-config start, creating the connection named salesforce is not refused with 409 and the README's steps 1-3 put the Lead in the user's org, also after a restart", async () => {
    const port = await freePort();
    tern = await spawnTern({ dataDir, ...secrets, port, env: { ...database.env, TERN_SANDBOX: "auto" } });
    let api = adminApi(tern.url, secrets.adminToken);
    // The start banner names the built-in emulators (GET /api/v1/sandbox reports them too).
    const banner = /emulator\s+\((http:\/\/[^)]+)\) and WhatsApp simulator \((http:\/\/[^)]+)\)/.exec(
      tern.output(),
    );
    const builtIn = { sf: banner![1]!, wa: banner![2]! };
    expect(await answers(builtIn.sf)).toBe(true);
    expect(await answers(builtIn.wa)).toBe(true);
    // A sandbox conversation left waiting for its second answer.
    expect((await api("POST", "/sandbox/messages", { from: "15550000002", text: "Hi" })).status).toBe(202);
    const sandboxRun = await eventually(async () => {
      const runs = await api("GET", "/runs?status=waiting");
      return (runs.body.items as Array<{ id: string }>)[0];
    });

    // Step 1, exactly as the README has it: the name "salesforce".
    const connection = await createConnection(api, org, "salesforce");
    expect(connection.status).toBe(201);
    expect(connection.body).toMatchObject({ name: "salesforce", owner: "user" });
    expect(connection.body.config).toMatchObject({ loginUrl: org.sf.credentials.loginUrl });
    // Stepped aside within that request: emulators stopped, routes refused, run ended.
    expect(await answers(builtIn.sf)).toBe(false);
    expect(await answers(builtIn.wa)).toBe(false);
    await sandboxIsOff(api);
    // Ended as any run is: the reason in its history, its waiting question dropped.
    const ended = (await api("GET", `/runs/${sandboxRun.id}`)).body as {
      status: string;
      endReason: { code: string; stepId: string | null } | null;
      steps: Array<{ status: string }>;
    };
    expect(ended).toMatchObject({ status: "ended", endReason: { code: "SANDBOX_OFF" } });
    expect(ended.endReason?.stepId).toBeTruthy();
    expect(ended.steps.map((step) => step.status)).not.toContain("waiting");
    expect(ended.steps.map((step) => step.status)).toContain("dropped");
    const sandboxFlow = ((await api("GET", "/flows")).body.items as Array<Record<string, unknown>>)[0]!;
    expect(sandboxFlow).toMatchObject({ owner: "sandbox", publishedVersion: null });

    // Step 2 and step 3 (the CLI, from the package root).
    const channel = await createChannel(api, org, "whatsapp");
    expect(channel.status).toBe(201);
    const imported = await importTemplate(tern.url, secrets.adminToken);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);

    const connections = (await api("GET", "/connections")).body.items as Array<Record<string, unknown>>;
    expect(connections.map((c) => [c.name, c.owner])).toEqual([["salesforce", "user"]]);
    const channels = (await api("GET", "/channels")).body.items as Array<Record<string, unknown>>;
    expect(channels.map((c) => [c.name, c.owner])).toEqual([["whatsapp", "user"]]);

    const received = await converse(channel.body.webhookUrl!, "16315551181");
    const leads = org.sf.records("Lead");
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ LastName: "Ada Lovelace", Company: "Analytical Engines" });
    expect(received).toHaveLength(3);
    expect(received[2]!.text).toContain(String(leads[0]!.Id));

    // A restart on the same data dir: the sandbox stays off, the user's setup keeps working.
    await tern.stop();
    tern = await spawnTern({ dataDir, ...secrets, port, env: { ...database.env, TERN_SANDBOX: "auto" } });
    api = adminApi(tern.url, secrets.adminToken);
    expect(tern.output()).not.toContain("Sandbox:");
    await sandboxIsOff(api);
    await converse(channel.body.webhookUrl!, "16315551182");
    expect(org.sf.records("Lead")).toHaveLength(2);
    const published = ((await api("GET", "/flows")).body.items as Array<Record<string, unknown>>).filter(
      (f) => f.publishedVersion !== null,
    );
    expect(published.map((f) => f.owner)).toEqual(["user"]);
  });
});
