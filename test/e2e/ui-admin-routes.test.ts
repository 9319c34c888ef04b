import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * The admin API the browser pages read, on both dialects: integration types with their config
 * schemas, a Salesforce connection's objects and fields (from the sandbox's emulator), runs
 * filtered by channel and start time, a run's messages, a contact's linked records, a channel's
 * recent messages; each with malformed input answering 4xx.
 */
interface RunItem {
  id: string;
  status: string;
  contactId: string;
  channelId: string;
  createdAt: string;
}

describe("admin API for the UI pages (both dialects)", () => {
  let stack: Stack;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await stack.http(method, `/api/v1${path}`, body);
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const ok = async <T>(path: string): Promise<T> => {
    const { status, body } = await call("GET", path);
    expect(status, JSON.stringify(body)).toBe(200);
    return body as T;
  };

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("lists channel and connection types with JSON Schema configs and their secret fields", async () => {
    type Schema = {
      type?: string;
      required?: string[];
      properties: Record<string, { type?: string; enum?: string[] }>;
    };
    type Types = {
      items: Array<{
        type: string;
        title: string;
        configSchema: Schema;
        secretFields: string[];
        docs?: string;
        registersWebhook?: boolean;
      }>;
    };
    const channels = await ok<Types>("/channel-types");
    const whatsapp = channels.items.find((t) => t.type === "whatsapp");
    expect(whatsapp?.title).toBe("WhatsApp");
    expect(whatsapp?.docs).toBe("docs/channels/whatsapp.md");
    expect(whatsapp?.registersWebhook).toBe(false);
    expect(channels.items.find((t) => t.type === "telegram")?.registersWebhook).toBe(true);
    expect(whatsapp?.secretFields).toEqual(["accessToken", "appSecret", "verifyToken"]);
    expect(whatsapp?.configSchema.type).toBe("object");
    expect(whatsapp?.configSchema.properties.phoneNumberId?.type).toBe("string");
    // Input schema: a field with a default is not required.
    expect(whatsapp?.configSchema.required).toContain("phoneNumberId");
    expect(whatsapp?.configSchema.required).not.toContain("apiVersion");
    expect(channels.items.map((t) => t.type)).toEqual(expect.arrayContaining(["telegram", "twilio", "rcs"]));

    const connections = await ok<Types>("/connection-types");
    const salesforce = connections.items.find((t) => t.type === "salesforce");
    expect(salesforce?.secretFields).toContain("clientSecret");
    expect(salesforce?.configSchema.properties.grant?.enum).toEqual([
      "web_server",
      "password",
      "client_credentials",
      "jwt_bearer",
    ]);
    expect(connections.items.map((t) => t.type)).toContain("http");
  });

  it("lists the connection's Salesforce objects and one object's fields, by id or by name", async () => {
    const objects = await ok<{ items: Array<{ name: string; label: string; createable: boolean }> }>(
      `/connections/${stack.setup.connectionId}/objects`,
    );
    expect(objects.items).toEqual(
      expect.arrayContaining([
        { name: "Lead", label: "Lead", createable: true },
        { name: "Case", label: "Case", createable: true },
      ]),
    );
    type Fields = {
      name: string;
      fields: Array<{ name: string; required: boolean; type: string; picklistValues?: string[] }>;
    };
    const lead = await ok<Fields>("/connections/salesforce/objects/Lead");
    expect(lead.name).toBe("Lead");
    const byName = new Map(lead.fields.map((f) => [f.name, f]));
    expect(lead.fields.filter((f) => f.required).map((f) => f.name)).toEqual(
      expect.arrayContaining(["LastName", "Company"]),
    );
    expect(byName.get("Email")?.required).toBe(false);
    expect(byName.get("Status")?.picklistValues?.length).toBeGreaterThan(0);
  });

  it("refuses bad describe requests with 4xx and an unreachable org with a clear 502", async () => {
    const id = stack.setup.connectionId;
    expect((await call("GET", "/connections/nope/objects")).status).toBe(404);
    expect((await call("GET", `/connections/${id}/objects/Nope__c`)).status).toBe(404);
    const bad = await call("GET", `/connections/${id}/objects/${encodeURIComponent("Lead; DROP")}`);
    expect(bad.status).toBe(400);
    expect((await call("GET", `/connections/${id}/objects/${"A".repeat(90)}`)).status).toBe(400);

    const http = await call("POST", "/connections", {
      type: "http",
      name: "api",
      config: { baseUrl: "https://api.example.com", auth: "bearer", token: "t" },
    });
    expect(http.status).toBe(201);
    const notSalesforce = await call("GET", "/connections/api/objects");
    expect(notSalesforce.status).toBe(400);
    expect(JSON.stringify(notSalesforce.body)).toContain("Salesforce");

    const notConnected = await call("POST", "/connections", {
      type: "salesforce",
      name: "not-yet",
      config: { loginUrl: stack.sandbox.sf.credentials.loginUrl, clientId: "x", clientSecret: "y" },
    });
    expect(notConnected.status).toBe(201);
    expect((await call("GET", "/connections/not-yet/objects")).status).toBe(409);

    // A port nothing listens on: the org cannot be reached.
    const gone = await call("POST", "/connections", {
      type: "salesforce",
      name: "gone",
      config: { loginUrl: "http://127.0.0.1:9", clientId: "x", clientSecret: "y", refreshToken: "z" },
    });
    expect(gone.status).toBe(201);
    const unreachable = await call("GET", "/connections/gone/objects");
    expect(unreachable.status).toBe(502);
    const error = unreachable.body.error as { message: string };
    expect(error.message).toMatch(/^Could not read the objects of "gone" from Salesforce: /);
  });

  it("filters runs by channel and start time, lists a run's messages in and out, and a contact's records", async () => {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, "16315550101", "Ada");
    await customer.say("Hi");
    await customer.waitForReplies(1);
    await customer.say("Ada Lovelace");
    await customer.waitForReplies(2);
    await customer.say("Engines Ltd");
    await customer.waitForReplies(3);
    const runs = (await ok<{ items: RunItem[] }>(`/runs?channelId=${stack.setup.channelId}`)).items;
    const run = await eventually(async () =>
      (await ok<{ items: RunItem[] }>(`/runs?channelId=${stack.setup.channelId}`)).items.find(
        (r) => r.status === "completed",
      ),
    );
    expect(runs.length).toBeGreaterThan(0);
    expect((await ok<{ items: RunItem[] }>("/runs?channelId=ch_other")).items).toEqual([]);

    const started = Date.parse(run.createdAt);
    const inRange = await ok<{ items: RunItem[] }>(
      `/runs?since=${encodeURIComponent(new Date(started).toISOString())}&until=${started + 1}`,
    );
    expect(inRange.items.map((r) => r.id)).toEqual([run.id]);
    expect((await ok<{ items: RunItem[] }>(`/runs?since=${started + 1}`)).items).toEqual([]);
    expect((await ok<{ items: RunItem[] }>(`/runs?until=${started}`)).items).toEqual([]);
    expect((await call("GET", "/runs?since=yesterday")).status).toBe(400);
    // Seconds since the epoch read as ms are a day in 1970: refused, here and in a bulk end.
    const seconds = Math.floor(started / 1000);
    const asSeconds = await call("GET", `/runs?since=${seconds}`);
    expect(asSeconds.status).toBe(400);
    expect(JSON.stringify(asSeconds.body)).toMatch(/seconds since the epoch/);
    const endBySeconds = await call("POST", "/runs/end", { since: String(seconds), status: "waiting" });
    expect(endBySeconds.status).toBe(400);
    expect((await call("GET", "/runs?until=2026-13-45T99:00:00Z")).status).toBe(400);
    expect((await call("GET", `/runs?channelId=${"x".repeat(101)}`)).status).toBe(400);

    type Message = { direction: string; text: string; status: string; createdAt: string };
    const messages = (await ok<{ items: Message[] }>(`/runs/${run.id}/messages`)).items;
    expect(messages.map((m) => [m.direction, m.text])).toEqual(
      expect.arrayContaining([
        ["in", "Hi"],
        ["in", "Ada Lovelace"],
        ["in", "Engines Ltd"],
      ]),
    );
    expect(messages.filter((m) => m.direction === "out")).toHaveLength(3);
    expect((await call("GET", "/runs/run_nope/messages")).status).toBe(404);

    const lead = stack.sandbox.sf.records("Lead")[0];
    const records = await ok<{ items: Array<{ id: string; object: string; url: string; runId: string }> }>(
      `/contacts/${run.contactId}/records`,
    );
    expect(records.items).toEqual([
      expect.objectContaining({ id: String(lead?.Id), object: "Lead", runId: run.id }),
    ]);
    expect((await call("GET", "/contacts/not-a-contact/records")).status).toBe(400);
    expect((await call("GET", "/contacts/ct_000000000000000/records")).status).toBe(404);

    type Delivery = { direction: string; status: string; contactId: string };
    const recent = (await ok<{ items: Delivery[] }>(`/channels/${stack.setup.channelId}/messages?limit=4`))
      .items;
    expect(recent).toHaveLength(4);
    expect(recent.every((m) => m.contactId === run.contactId)).toBe(true);
    expect(JSON.stringify(recent)).not.toContain("Ada Lovelace");
    expect((await call("GET", "/channels/ch_nope/messages")).status).toBe(404);
    expect((await call("GET", `/channels/${stack.setup.channelId}/messages?limit=0`)).status).toBe(400);
    expect((await call("GET", `/channels/${stack.setup.channelId}/messages?limit=abc`)).status).toBe(400);
  });

  it("sends a UI-started OAuth flow back to the Connections page", async () => {
    const created = await call("POST", "/connections", {
      type: "salesforce",
      name: "connect-me",
      config: {
        loginUrl: stack.sandbox.sf.credentials.loginUrl,
        clientId: stack.sandbox.sf.credentials.clientId,
        clientSecret: stack.sandbox.sf.credentials.clientSecret,
      },
    });
    const id = (created.body as { id: string }).id;
    const start = await stack.http("GET", `/api/v1/connections/${id}/oauth/start?returnTo=ui`, undefined, {
      accept: "application/json",
    });
    expect(start.status).toBe(200);
    const cookie = start.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(
      /^tern_oauth_return=conn_[^;]+; Path=\/oauth; Max-Age=600; SameSite=Lax; HttpOnly/,
    );
    const { authorizeUrl } = (await start.json()) as { authorizeUrl: string };
    // The emulator approves at once and redirects to the callback with a code.
    const approved = await fetch(authorizeUrl, { redirect: "manual" });
    const callbackUrl = approved.headers.get("location") ?? "";
    const back = await fetch(callbackUrl, {
      redirect: "manual",
      headers: { cookie: cookie.split(";")[0] ?? "" },
    });
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe(`/connections?connected=${id}`);
    expect(back.headers.get("set-cookie")).toContain("tern_oauth_return=; Path=/oauth; Max-Age=0");
    const after = await ok<{ isConnected: boolean }>(`/connections/${id}`);
    expect(after.isConnected).toBe(true);
    expect((await call("GET", `/connections/${id}/oauth/start?returnTo=cli`)).status).toBe(400);

    // A callback that fails (a forged state) still clears the cookie and offers the way back.
    const forged = await fetch(`${stack.tern.url}/oauth/salesforce/callback?state=forged&code=x`, {
      redirect: "manual",
      headers: { cookie: `tern_oauth_return=${id}` },
    });
    expect(forged.status).toBe(400);
    expect(forged.headers.get("set-cookie")).toContain("tern_oauth_return=; Path=/oauth; Max-Age=0");
    expect(await forged.text()).toContain('<a href="/connections">Back to Connections</a>');
  });
});
