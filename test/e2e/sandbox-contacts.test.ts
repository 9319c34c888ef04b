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
  createChannel,
  createConnection,
  importTemplate,
} from "../helpers/real-thing.js";

/**
 * A new user tries the sandbox from their own phone (STOP included, to see the keyword work),
 * then connects the real thing: the real customer with that number must be a person of their
 * own, not the sandbox's opted-out contact. And the other way round, after a restart that
 * brought the sandbox back: a sandbox customer never joins a real contact.
 */
describe("the sandbox and the user's channels never share a contact", () => {
  const phone = "15557654321";
  let dataDir: string;
  let tern: TernProcess | null = null;
  let org: Sandbox;
  let database: TestDatabaseEnv;
  const secrets = processSecrets();

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-sandbox-contacts-"));
    database = await testDatabaseEnv(secrets);
    org = await startSandbox();
  });
  afterEach(async () => {
    await tern?.stop();
    tern = null;
    await org.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (port: number, sandbox: "auto" | "on" = "auto") => {
    tern = await spawnTern({
      dataDir,
      ...secrets,
      port,
      env: { ...database.env, TERN_SANDBOX: sandbox, TERN_BURST_WINDOW_MS: "0" },
    });
    return adminApi(tern.url, secrets.adminToken);
  };

  const sandboxSays = async (api: AdminApi, text: string) => {
    expect((await api("POST", "/sandbox/messages", { from: phone, text })).status).toBe(202);
  };

  const runsOf = async (api: AdminApi) =>
    (await api("GET", "/runs?limit=50")).body.items as Array<{
      status: string;
      channelId: string;
      contactId: string;
      error: { code: string } | null;
    }>;

  // A `tern serve` process: 21 s of the default 30 s in a full run on a loaded 2-core machine.
  it("a STOP sent in the sandbox does not opt out the real customer with that number", async () => {
    const api = await start(await freePort());
    await sandboxSays(api, "Hi");
    await sandboxSays(api, "STOP");
    const sandboxContact = await eventually(async () => {
      const runs = await runsOf(api);
      return runs.length === 1 && runs[0]!.status === "ended" ? runs[0]!.contactId : undefined;
    });

    expect((await createConnection(api, org)).status).toBe(201);
    const channel = await createChannel(api, org);
    expect(channel.status).toBe(201);
    expect((await importTemplate(tern!.url, secrets.adminToken)).code).toBe(0);

    const customer = createCustomer(org, channel.body.webhookUrl!, phone, "Real Customer");
    expect((await customer.say("Hi")).status).toBe(200);
    const [greeting] = await customer.waitForReplies(1);
    expect(greeting!.text).toContain("What's your name?");
    const real = (await runsOf(api)).find((r) => r.channelId === channel.body.id)!;
    expect(real.error).toBeNull();
    expect(real.contactId).not.toBe(sandboxContact);
    const byPhone = (await api("GET", "/contacts?phone=%2B15557654321")).body.items as Array<{
      id: string;
      name: string;
    }>;
    expect(byPhone.map((c) => [c.id, c.name])).toEqual([[real.contactId, "Real Customer"]]);
  }, 90_000);

  // Two `tern serve` processes: timed out at the default 30 s in a full run on a loaded 2-core machine.
  it("a sandbox started again (TERN_SANDBOX=on) after the user removed their integrations does not join their customers", async () => {
    const port = await freePort();
    let api = await start(port);
    const connection = await createConnection(api, org);
    const channel = await createChannel(api, org);
    expect((await importTemplate(tern!.url, secrets.adminToken)).code).toBe(0);
    const customer = createCustomer(org, channel.body.webhookUrl!, phone, "Real Customer");
    expect((await customer.say("STOP")).status).toBe(200);
    const realContact = await eventually(async () => {
      const found = (await api("GET", "/contacts?phone=%2B15557654321")).body.items as Array<{ id: string }>;
      return found[0]?.id;
    });
    expect((await api("DELETE", `/channels/${channel.body.id}`)).status).toBe(204);
    // A connection a published flow calls is not deleted (409): the user unpublishes first.
    const flows = (await api("GET", "/flows")).body.items as Array<{
      id: string;
      publishedVersion: number | null;
    }>;
    for (const flow of flows.filter((f) => f.publishedVersion !== null)) {
      expect((await api("POST", `/flows/${flow.id}/unpublish`)).status).toBe(200);
    }
    expect((await api("DELETE", `/connections/${connection.body.id}`)).status).toBe(204);

    await tern!.stop();
    // Asked for again (it stays off by itself once it stepped aside for the user's integrations).
    api = await start(port, "on");
    expect((await api("GET", "/sandbox")).body).toMatchObject({ isOn: true });
    await sandboxSays(api, "Hi");
    const sandboxRun = await eventually(async () =>
      (await runsOf(api)).find((r) => r.channelId !== channel.body.id),
    );
    expect(sandboxRun.error).toBeNull();
    expect(sandboxRun.contactId).not.toBe(realContact);
    const conversation = await eventually(async () => {
      const seen = (await api("GET", `/sandbox/conversations/${phone}`)).body as {
        received: Array<{ text: string }>;
      };
      return seen.received.length > 0 ? seen : undefined;
    });
    expect(conversation.received[0]!.text).toContain("What's your name?");
  }, 90_000);
});
