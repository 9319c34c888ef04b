import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { templatePath } from "../../src/core/paths.js";
import { startTern, type Tern } from "../../src/main.js";
import { createCustomer, type Sandbox, startSandbox } from "../../src/sandbox/stack.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";
import { type AdminApi, adminApi, createChannel, createConnection } from "../helpers/real-thing.js";

/**
 * The built-in sandbox owns what it creates and steps aside for the user's own integrations
 * (finding 3 of issue 5). Tern runs in this process so the tests can look into the sandbox's
 * emulators after they stopped answering.
 */
describe("sandbox ownership", () => {
  let dataDir: string;
  let database: TestDatabaseEnv;
  let org: Sandbox;
  const running: Tern[] = [];

  const start = async (mode: "auto" | "on" | "off") => {
    const tern = await startTern({
      config: loadConfig({
        TERN_PORT: "0",
        TERN_BURST_WINDOW_MS: "0",
        TERN_HOST: "127.0.0.1",
        TERN_DATA_DIR: dataDir,
        TERN_LOG_LEVEL: "silent",
        TERN_SANDBOX: mode,
        ...database.env,
      }),
    });
    running.push(tern);
    return { tern, api: adminApi(tern.url, tern.dataDir.adminToken) };
  };
  const stop = async (tern: Tern) => {
    running.splice(running.indexOf(tern), 1);
    await tern.close();
  };
  const template = () => JSON.parse(readFileSync(templatePath("whatsapp-lead.json"), "utf8"));
  /** What `tern flows import <file> --publish` sends. */
  const importFlow = async (api: AdminApi, flow: unknown) => {
    const created = await api("POST", "/flows", flow);
    expect(created.status).toBe(201);
    const published = await api("POST", `/flows/${created.body.id}/publish`, {
      version: created.body.version,
    });
    expect(published.status).toBe(200);
    return created.body.id!;
  };
  /** The template with its Salesforce step pointed at another connection name. */
  const templateUsing = (connection: string, keywords?: string[]) => {
    const flow = template();
    for (const step of flow.steps) if (step.type === "salesforce.create") step.connection = connection;
    if (keywords) flow.trigger.keywords = keywords;
    return flow;
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-owner-"));
    database = await testDatabaseEnv();
    org = await startSandbox();
  });
  afterEach(async () => {
    org.wa.deliverStatusesTo(null);
    for (const tern of running.splice(0)) await tern.close();
    await org.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(testDialect !== "postgres")(
    "steps aside in every serve when a channel is created through another one",
    async () => {
      const first = await start("auto");
      const second = await start("auto");
      expect(first.tern.sandbox?.isOn()).toBe(true);
      expect(second.tern.sandbox?.isOn()).toBe(true);
      // Created through the second: the first learns of it from the database within a second.
      expect((await createChannel(second.api, org, "whatsapp")).status).toBe(201);
      await eventually(
        async () => (await first.api("GET", "/sandbox")).body.isOn === false,
        5_000,
        "the first serve's sandbox to step aside",
      );
      const played = await first.api("POST", "/sandbox/messages", { from: "15551230000", text: "Hi" });
      expect(played.status).toBe(409);
      expect(played.body.error?.code).toBe("SANDBOX_OFF");
    },
  );

  it.skipIf(testDialect !== "postgres")(
    "says another serve owns the sandbox now, when played through one started before it",
    async () => {
      const first = await start("auto");
      const second = await start("auto");
      const play = (through: typeof first, channel: string) =>
        through.api("POST", "/sandbox/messages", { channel, from: "15551230001", text: "Hi" });
      const expectTakenOver = (played: Awaited<ReturnType<typeof play>>) => {
        expect(played.status).toBe(409);
        expect(played.body.error?.code).toBe("CONFLICT");
        expect(played.body.error?.message).toMatch(
          /Another tern serve on this database started after this one/,
        );
        expect(played.body.error?.message).toMatch(/restart this one/);
        expect(played.body.error?.message).not.toMatch(/App Secret|Meta/);
      };
      // The second took the one sandbox channel over with its simulators' keys (deployment.md).
      expectTakenOver(await play(first, "whatsapp"));
      // A channel type is taken by the serve that plays it first, and by the next one that does.
      expect((await play(first, "telegram")).status).toBe(202);
      expect((await play(second, "telegram")).status).toBe(202);
      expectTakenOver(await play(first, "telegram"));
      // Through the one that owns it, it plays as ever.
      const owner = await second.api("POST", "/sandbox/messages", { from: "15551230001", text: "Hi" });
      expect(owner.status).toBe(202);
    },
  );

  it("after the user names their connection my-org and imports a flow using it, the sandbox's published flow no longer answers anyone", async () => {
    const { tern, api } = await start("auto");
    const builtIn = tern.sandbox!.sandbox;
    expect((await createConnection(api, org, "my-org")).status).toBe(201);
    const channel = await createChannel(api, org, "whatsapp");
    expect(channel.status).toBe(201);
    // The user's flow starts only on "quote": before, anything else fell through to the
    // sandbox's catch-all flow, which answered on the user's channel and sent its Lead nowhere.
    await importFlow(api, templateUsing("my-org", ["quote"]));

    const stranger = createCustomer(org, channel.body.webhookUrl!, "16315550001");
    expect((await stranger.say("Hello there")).status).toBe(200);
    const contact = await eventually(async () => {
      const contacts = (await api("GET", "/contacts")).body.items as Array<{ id: string }>;
      return contacts[0];
    });
    // The contact and the routing decision are committed together: no run means no flow answered.
    expect((await api("GET", `/runs?contactId=${contact.id}`)).body.items).toEqual([]);

    const customer = createCustomer(org, channel.body.webhookUrl!, "16315550002");
    for (const [i, text] of ["quote", "Ada Lovelace", "Analytical Engines"].entries()) {
      await customer.say(text);
      await customer.waitForReplies(i + 1);
    }
    expect(org.sf.records("Lead")).toHaveLength(1);
    expect(stranger.received()).toEqual([]);
    expect(builtIn.sf.records("Lead")).toEqual([]);
    expect(builtIn.wa.sent).toEqual([]);
    // The sandbox's channel is gone: its webhook URL takes nothing in any more.
    const oldWebhook = `${tern.url}/webhooks/${tern.sandbox!.channelId}`;
    expect((await createCustomer(builtIn, oldWebhook, "15550000009").say("Hi")).status).toBe(404);
    const flows = (await api("GET", "/flows")).body.items as Array<Record<string, unknown>>;
    expect(flows.map((f) => [f.owner, f.publishedVersion])).toEqual([
      ["sandbox", null],
      ["user", 1],
    ]);
  });

  it("a template that still names the sandbox's salesforce connection is refused at publish instead of creating its Lead in the sandbox", async () => {
    const { tern, api } = await start("auto");
    const builtIn = tern.sandbox!.sandbox;
    expect((await createConnection(api, org, "my-org")).status).toBe(201);
    await createChannel(api, org);
    const created = await api("POST", "/flows", template());
    expect(created.status).toBe(201);
    // Importing only warns (a draft may come before its connection); publishing refuses it.
    expect(JSON.stringify(created.body)).toContain('no connection named \\"salesforce\\" exists');
    const published = await api("POST", `/flows/${created.body.id}/publish`, {
      version: created.body.version,
    });
    expect(published.status).toBe(422);
    expect(JSON.stringify(published.body)).toContain('connections here: \\"my-org\\"');
    expect(builtIn.sf.records("Lead")).toEqual([]);
    expect(org.sf.records("Lead")).toEqual([]);
  });

  it("with TERN_SANDBOX=off the README's steps 1-3 put the Lead in the user's org", async () => {
    const { tern, api } = await start("off");
    expect(tern.sandbox).toBeNull();
    expect((await api("GET", "/sandbox")).body).toMatchObject({ isOn: false });
    expect((await createConnection(api, org, "salesforce")).status).toBe(201);
    const channel = await createChannel(api, org);
    await importFlow(api, template());
    const customer = createCustomer(org, channel.body.webhookUrl!, "16315550004");
    for (const [i, text] of ["Hi", "Ada Lovelace", "Analytical Engines"].entries()) {
      await customer.say(text);
      await customer.waitForReplies(i + 1);
    }
    const leads = org.sf.records("Lead");
    expect(leads).toHaveLength(1);
    expect(customer.received()[2]!.text).toContain(String(leads[0]!.Id));
  });

  it("a connection created while Tern runs with TERN_SANDBOX=off still retires what an earlier zero-config start left", async () => {
    const first = await start("auto");
    const left = first.tern.sandbox!;
    await stop(first.tern);
    const { api } = await start("off");
    expect((await createConnection(api, org, "salesforce")).status).toBe(201);
    expect((await api("GET", `/connections/${left.connectionId}`)).status).toBe(404);
    expect((await api("GET", `/channels/${left.channelId}`)).status).toBe(404);
    expect((await api("GET", `/flows/${left.flowId}`)).body).toMatchObject({ publishedVersion: null });
  });

  it("once stepped aside it does not come back when the user's integrations are deleted, so their flows never run against it; TERN_SANDBOX=on brings it back", async () => {
    const first = await start("auto");
    const connection = await createConnection(first.api, org, "salesforce");
    expect(connection.status).toBe(201);
    const channel = await createChannel(first.api, org);
    const flowId = await importFlow(first.api, template());
    // The user takes their integrations down (a wrong org, say) and restarts. A connection a
    // published flow calls is refused (409), so the flow is unpublished first.
    expect((await first.api("DELETE", `/channels/${channel.body.id}`)).status).toBe(204);
    expect((await first.api("DELETE", `/connections/${connection.body.id}`)).status).toBe(409);
    expect((await first.api("POST", `/flows/${flowId}/unpublish`)).status).toBe(200);
    expect((await first.api("DELETE", `/connections/${connection.body.id}`)).status).toBe(204);
    await stop(first.tern);

    const second = await start("auto");
    expect(second.tern.sandbox).toBeNull();
    const status = await second.api("GET", "/sandbox");
    expect(status.body).toMatchObject({ isOn: false });
    const refused = await second.api("POST", "/sandbox/messages", { from: "16315550009", text: "Hi" });
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toMatch(/stepped aside on .* TERN_SANDBOX=on/);
    // Nothing named "salesforce" points at an emulated org: the user's flow, published again,
    // would find no connection instead of creating its Lead in the sandbox.
    expect((await second.api("GET", "/connections")).body.items).toEqual([]);
    expect((await second.api("GET", `/flows/${flowId}`)).body).toMatchObject({ publishedVersion: null });
    await stop(second.tern);

    const third = await start("on");
    expect(third.tern.sandbox?.isOn()).toBe(true);
    await stop(third.tern);
    // Asked for once, it is the zero-config sandbox again.
    const fourth = await start("auto");
    expect(fourth.tern.sandbox?.isOn()).toBe(true);
  });

  it("a refused connection (invalid config) leaves the sandbox running and its rows in place", async () => {
    const { api } = await start("auto");
    const before = (await api("GET", "/connections")).body.items;
    const refused = await api("POST", "/connections", {
      type: "salesforce",
      name: "salesforce",
      config: { loginUrl: "not a url" },
    });
    expect(refused.status).toBe(422);
    expect((await api("GET", "/sandbox")).body).toMatchObject({ isOn: true });
    expect((await api("GET", "/connections")).body.items).toEqual(before);
    expect((await api("POST", "/sandbox/messages", { from: "15550000003", text: "Hi" })).status).toBe(202);
  });

  it("editing the sandbox's own connection answers 409 saying to create one's own, since the sandbox re-points it on every start", async () => {
    const { tern, api } = await start("auto");
    const patched = await api("PATCH", `/connections/${tern.sandbox!.connectionId}`, {
      config: { loginUrl: "https://login.salesforce.com" },
    });
    expect(patched.status).toBe(409);
    expect(patched.body.error?.message).toContain("POST /api/v1/connections");
    expect((await api("GET", `/connections/${tern.sandbox!.connectionId}`)).body.config).toMatchObject({
      loginUrl: tern.sandbox!.sandbox.sf.credentials.loginUrl,
    });
  });

  it("a data dir whose sandbox.json names rows from before ownership was stored has them marked as the sandbox's, and they step aside", async () => {
    // What an older Tern left: rows it made (stored as the user's by migration 2) and the marker.
    const old = await startSandbox();
    const first = await start("off");
    const connection = await createConnection(first.api, old, "salesforce");
    const channel = await createChannel(first.api, old, "WhatsApp sandbox");
    const flowId = await importFlow(first.api, template());
    // An older Tern stored no record of the sandbox having stepped aside.
    await first.tern.store.write((tx) => tx.sandbox.clearSteppedAside());
    await stop(first.tern);
    await old.close();
    const markerPath = path.join(dataDir, "sandbox.json");
    writeFileSync(
      markerPath,
      JSON.stringify({ connectionId: connection.body.id, channelId: channel.body.id, flowId }),
    );

    const { tern, api } = await start("auto");
    expect(tern.sandbox).not.toBeNull();
    expect(tern.sandbox!.connectionId).toBe(connection.body.id);
    expect(existsSync(markerPath)).toBe(false);
    const connections = (await api("GET", "/connections")).body.items as Array<Record<string, unknown>>;
    expect(connections.map((c) => [c.id, c.owner])).toEqual([[connection.body.id, "sandbox"]]);

    expect((await createConnection(api, org, "salesforce")).status).toBe(201);
    expect((await api("GET", "/sandbox")).body).toMatchObject({ isOn: false });
    expect((await api("GET", `/channels/${channel.body.id}`)).status).toBe(404);
    expect((await api("GET", `/flows/${flowId}`)).body).toMatchObject({
      owner: "sandbox",
      publishedVersion: null,
    });
  });

  it("a sandbox.json whose rows the user re-pointed at their real org leaves them the user's", async () => {
    const first = await start("off");
    const connection = await createConnection(first.api, org, "salesforce");
    const channel = await createChannel(first.api, org);
    // The old bootstrap treated rows as still the sandbox's only while they pointed at loopback.
    // Moving the login URL takes the secrets along, sent again (they are write-only).
    const moved = await first.api("PATCH", `/connections/${connection.body.id}`, {
      config: {
        loginUrl: "https://login.salesforce.com",
        clientSecret: org.sf.credentials.clientSecret,
        refreshToken: org.sf.credentials.refreshToken,
      },
    });
    expect(moved.status).toBe(200);
    await stop(first.tern);
    writeFileSync(
      path.join(dataDir, "sandbox.json"),
      JSON.stringify({ connectionId: connection.body.id, channelId: channel.body.id, flowId: "" }),
    );
    const { tern, api } = await start("auto");
    expect(tern.sandbox).toBeNull();
    const connections = (await api("GET", "/connections")).body.items as Array<Record<string, unknown>>;
    expect(connections.map((c) => c.owner)).toEqual(["user"]);
  });
});
