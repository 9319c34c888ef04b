import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildStatusWebhook,
  buildTextWebhook,
  postWebhook,
  signWebhook,
  startWhatsAppSimulator,
  type WebhookBody,
  type WhatsAppSimulator,
} from "../../src/sandbox/whatsapp/index.js";
import { eventually } from "../helpers/in-process.js";
import { type LoggedStack, startLoggedStack } from "../helpers/logged-stack.js";

/** The first item of `field` in a built webhook, to break it on purpose. */
function firstItem(body: WebhookBody, field: "messages" | "statuses"): Record<string, unknown> {
  const items = body.entry[0]?.changes[0]?.value[field] as Array<Record<string, unknown>> | undefined;
  if (!items?.[0]) throw new Error(`no ${field} in the webhook`);
  return items[0];
}

/** One delivery carrying the changes of several webhooks, as Meta batches them. */
function batch(...bodies: WebhookBody[]): WebhookBody {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", changes: bodies.flatMap((b) => b.entry.flatMap((e) => e.changes)) }],
  };
}

interface RejectedView {
  channelId: string;
  path: string;
  reason: string;
  detail: string;
  item: unknown;
  receivedAt: string;
}

describe("a signed Meta delivery with one bad item", () => {
  let stack: LoggedStack;
  beforeAll(async () => {
    stack = await startLoggedStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const rejected = async (query = "") => {
    const res = await stack.http("GET", `/api/v1/channels/${stack.setup.channelId}/rejected-events${query}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: RejectedView[] }).items;
  };

  it("stores every item that parses, acknowledges 200, and keeps the bad one for inspection", async () => {
    const good1 = buildTextWebhook({ from: "15550002001", text: "first good" });
    const good2 = buildTextWebhook({ from: "15550002002", text: "second good" });
    const bad = buildTextWebhook({ from: "15550002003", text: "private words" });
    const badMessage = firstItem(bad, "messages");
    delete badMessage.id;
    const badStatus = buildStatusWebhook({
      messageId: "wamid.X",
      status: "delivered",
      recipient: "15550002004",
    });
    const badStatusItem = firstItem(badStatus, "statuses");
    badStatusItem.timestamp = "yesterday";

    const res = await postWebhook(
      stack.setup.webhookUrl,
      batch(good1, bad, badStatus, good2),
      stack.sandbox.wa.config.appSecret,
    );
    expect(res.status).toBe(200);
    expect(await stack.tern.store.inbox.count(stack.setup.channelId)).toBe(2);

    const items = await rejected();
    expect(items.map((i) => [i.path, i.reason])).toEqual([
      ["entry[0].changes[2].value.statuses[0]", "invalid"],
      ["entry[0].changes[1].value.messages[0]", "invalid"],
    ]);
    expect(items[1]).toMatchObject({ channelId: stack.setup.channelId, item: badMessage });
    expect(items[1]?.detail).toMatch(/^id: /);
    expect(items[0]?.detail).toMatch(/^timestamp: /);
    expect(Date.parse(items[0]?.receivedAt ?? "")).toBeGreaterThan(0);

    const metrics = await (await stack.http("GET", "/metrics")).text();
    expect(metrics).toContain('tern_webhook_items_rejected_total{reason="invalid"} 2');

    const lines = stack.logs.filter((l) => l.msg.startsWith("webhook item rejected"));
    expect(lines.map((l) => [l.level, l.channelId, l.path])).toEqual([
      [40, stack.setup.channelId, "entry[0].changes[1].value.messages[0]"],
      [40, stack.setup.channelId, "entry[0].changes[2].value.statuses[0]"],
    ]);
    const logged = JSON.stringify(stack.logs);
    expect(logged).not.toContain("private words");
    expect(logged).not.toContain("15550002003");
    expect(logged).not.toContain("15550002004");
  });

  it("lists rejected items newest first, limited, with the admin token only", async () => {
    const [newest] = await rejected("?limit=1");
    expect(newest?.path).toBe("entry[0].changes[2].value.statuses[0]");
    expect(await rejected("?limit=1")).toHaveLength(1);
    const anonymous = await fetch(
      `${stack.tern.url}/api/v1/channels/${stack.setup.channelId}/rejected-events`,
    );
    expect(anonymous.status).toBe(401);
    expect((await stack.http("GET", "/api/v1/channels/ch_missing/rejected-events")).status).toBe(404);
    expect(
      (await stack.http("GET", `/api/v1/channels/${stack.setup.channelId}/rejected-events?limit=0`)).status,
    ).toBe(400);
  });

  it("still refuses, with 400 and nothing stored, a body that is not JSON or not a WhatsApp envelope", async () => {
    const before = (await rejected()).length;
    const inbox = await stack.tern.store.inbox.count();
    const notEnvelopes = ["{not json", JSON.stringify({ object: "whatsapp_business_account" }), "[]", "null"];
    for (const body of notEnvelopes) {
      const res = await postWebhook(stack.setup.webhookUrl, body, stack.sandbox.wa.config.appSecret);
      expect(res.status, body).toBe(400);
    }
    expect(await stack.tern.store.inbox.count()).toBe(inbox);
    expect(await rejected()).toHaveLength(before);
  });

  it("acknowledges another Meta webhook object's delivery on this URL, stores none of it, and lists it as rejected", async () => {
    const before = (await rejected()).length;
    const inbox = await stack.tern.store.inbox.count();
    const body = JSON.stringify({
      object: "page",
      entry: [{ id: "1", messaging: [{ sender: { id: "2" } }] }],
    });
    const res = await postWebhook(stack.setup.webhookUrl, body, stack.sandbox.wa.config.appSecret);
    expect(res.status).toBe(200);
    expect(await stack.tern.store.inbox.count()).toBe(inbox);
    expect(await rejected()).toHaveLength(before + 1);
  });

  it("keeps its good items when the bad one is nested deeper than JSON.stringify can go", async () => {
    const good = buildTextWebhook({ from: "15550002011", text: "good beside a deep one" });
    const deep = buildTextWebhook({ from: "15550002012", text: "deep" });
    firstItem(deep, "messages").id = "DEEP_ID";
    // Written as text: JSON.stringify itself cannot write what is sent (6,000 nested arrays).
    const text = JSON.stringify(batch(good, deep)).replace(
      '"DEEP_ID"',
      `${"[".repeat(6_000)}"wamid.deep"${"]".repeat(6_000)}`,
    );
    const before = await stack.tern.store.inbox.count(stack.setup.channelId);
    const res = await postWebhook(stack.setup.webhookUrl, text, stack.sandbox.wa.config.appSecret);
    expect(res.status).toBe(200);
    expect(await stack.tern.store.inbox.count(stack.setup.channelId)).toBe(before + 1);
    const [newest] = await rejected("?limit=1");
    expect(newest).toMatchObject({ path: "entry[0].changes[1].value.messages[0]", reason: "invalid" });
    expect(JSON.stringify(newest?.item)).toContain("nested too deeply to keep");
    await stack.sandbox.wa.waitForSent((m) => m.body.to === "15550002011");
  });
});

describe("events addressed to another phone_number_id", () => {
  let stack: LoggedStack;
  /** The simulator of a second business number of the same Meta app (same app secret). */
  let sibling: WhatsAppSimulator;
  let siblingChannelId: string;
  let foreignChannelId: string;
  beforeAll(async () => {
    stack = await startLoggedStack();
    sibling = await startWhatsAppSimulator({
      phoneNumberId: "222000222",
      appSecret: stack.sandbox.wa.config.appSecret,
    });
    const created = async (name: string, config: Record<string, unknown>) =>
      (
        (await (await stack.http("POST", "/api/v1/channels", { type: "whatsapp", name, config })).json()) as {
          id: string;
        }
      ).id;
    siblingChannelId = await created("second number", sibling.config);
    // Another Meta app's number: its own app secret.
    foreignChannelId = await created("other app", {
      ...stack.sandbox.wa.config,
      phoneNumberId: "333000333",
      appSecret: "another-apps-secret",
    });
  });
  afterAll(async () => {
    await stack.close();
    await sibling.close();
  });

  it("refuses a second channel for a number a channel already has, on create and on change", async () => {
    const list = async () =>
      ((await (await stack.http("GET", "/api/v1/channels")).json()) as { items: unknown[] }).items.length;
    const before = await list();
    const again = await stack.http("POST", "/api/v1/channels", {
      type: "whatsapp",
      name: "same number again",
      config: { ...sibling.config, accessToken: "another-token" },
    });
    expect(again.status).toBe(409);
    const { error } = (await again.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain(`"second number" (${siblingChannelId}) already has account 222000222`);
    const moved = await stack.http("PATCH", `/api/v1/channels/${foreignChannelId}`, {
      config: { phoneNumberId: "222000222" },
    });
    expect(moved.status).toBe(409);
    expect(await list()).toBe(before);
    // Changing a channel's other settings keeps its own number.
    const renamed = await stack.http("PATCH", `/api/v1/channels/${siblingChannelId}`, {
      config: { sendRatePerSecond: 100 },
    });
    expect(renamed.status).toBe(200);
  });

  it("routes each batch to the channel that owns its number, and records the rest as unroutable", async () => {
    const mine = buildTextWebhook({ from: "15550003001", text: "hello" });
    const forSibling = buildTextWebhook({ from: "15550003002", text: "hello", phoneNumberId: "222000222" });
    const forOtherApp = buildTextWebhook({ from: "15550003003", text: "hello", phoneNumberId: "333000333" });
    const forNobody = buildTextWebhook({ from: "15550003004", text: "hello", phoneNumberId: "999000999" });
    const res = await postWebhook(
      stack.setup.webhookUrl,
      batch(mine, forSibling, forOtherApp, forNobody),
      stack.sandbox.wa.config.appSecret,
    );
    expect(res.status).toBe(200);

    expect(await stack.tern.store.inbox.count(stack.setup.channelId)).toBe(1);
    expect(await stack.tern.store.inbox.count(siblingChannelId)).toBe(1);
    expect(await stack.tern.store.inbox.count(foreignChannelId)).toBe(0);
    expect(await stack.tern.store.inbox.count()).toBe(2);

    // Each customer is answered from the number they wrote to, and only from it.
    await stack.sandbox.wa.waitForSent((m) => m.to === "15550003001");
    await sibling.waitForSent((m) => m.to === "15550003002");
    expect(stack.sandbox.wa.sent.filter((m) => m.to !== "15550003001")).toEqual([]);
    expect(sibling.sent.filter((m) => m.to !== "15550003002")).toEqual([]);

    const items = (
      (await (
        await stack.http("GET", `/api/v1/channels/${stack.setup.channelId}/rejected-events`)
      ).json()) as {
        items: RejectedView[];
      }
    ).items;
    expect(items.map((i) => [i.path, i.reason])).toEqual([
      ["entry[0].changes[3].value", "unroutable"],
      ["entry[0].changes[2].value", "unroutable"],
    ]);
    expect(items[0]?.detail).toContain('"999000999"');
    expect(items[0]?.item).toEqual(forNobody.entry[0]?.changes[0]?.value);
    const metrics = await (await stack.http("GET", "/metrics")).text();
    expect(metrics).toContain('tern_webhook_items_rejected_total{reason="unroutable"} 2');
  });

  it("applies a delivery status addressed to another number to that channel's messages only", async () => {
    const reply = await sibling.waitForSent((m) => m.to === "15550003002");
    // Meta echoes the send's biz_opaque_callback_data in its statuses: a status that overtakes
    // Tern's record of the wamid (it can, right after the send) still finds its message.
    const status = buildStatusWebhook({
      messageId: reply.wamid,
      status: "read",
      recipient: "15550003002",
      phoneNumberId: "222000222",
      ...(reply.correlationId !== undefined ? { correlationId: reply.correlationId } : {}),
    });
    // Posted to the first channel's URL, as one Meta app does for all its numbers.
    const res = await postWebhook(stack.setup.webhookUrl, status, stack.sandbox.wa.config.appSecret);
    expect(res.status).toBe(200);
    const contact = await eventually(
      async () => (await stack.tern.store.contacts.list({ channelId: siblingChannelId }))[0],
    );
    await eventually(
      async () =>
        (await stack.tern.store.contacts.messages(contact.id)).find(
          (m) => m.direction === "out" && m.status === "read",
        ),
      5_000,
      "the read status on the second number's message",
    );
  });

  it("never stores an unsigned delivery addressed to another number", async () => {
    const body = JSON.stringify(
      buildTextWebhook({ from: "15550003005", text: "hi", phoneNumberId: "222000222" }),
    );
    const res = await fetch(stack.setup.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signWebhook(body, "guess") },
      body,
    });
    expect(res.status).toBe(401);
    expect(await stack.tern.store.inbox.count(siblingChannelId)).toBe(1);
  });

  it("takes deliveries posted to a deleted channel's URL (still the app's callback URL in Meta's console) by the app's other numbers", async () => {
    const made = await stack.http("POST", "/api/v1/channels", {
      type: "whatsapp",
      name: "the console's number",
      config: { ...sibling.config, phoneNumberId: "444000444" },
    });
    expect(made.status).toBe(201);
    const gone = (await made.json()) as { id: string; webhookUrl: string };
    expect((await stack.http("DELETE", `/api/v1/channels/${gone.id}`)).status).toBe(204);
    const appSecret = stack.sandbox.wa.config.appSecret;
    const before = await stack.tern.store.inbox.count(siblingChannelId);

    const forSibling = buildTextWebhook({
      from: "15550003006",
      text: "still here",
      phoneNumberId: "222000222",
    });
    expect((await postWebhook(gone.webhookUrl, forSibling, appSecret)).status).toBe(200);
    expect(await stack.tern.store.inbox.count(siblingChannelId)).toBe(before + 1);
    await sibling.waitForSent((m) => m.to === "15550003006");

    // The deleted number's own events: acknowledged and kept as unroutable, never processed.
    const forDeleted = buildTextWebhook({ from: "15550003007", text: "hi", phoneNumberId: "444000444" });
    expect((await postWebhook(gone.webhookUrl, forDeleted, appSecret)).status).toBe(200);
    // Kept by whichever channel of the app took the delivery.
    const rejected: RejectedView[] = [];
    for (const id of [stack.setup.channelId, siblingChannelId]) {
      const listed = await stack.http("GET", `/api/v1/channels/${id}/rejected-events`);
      rejected.push(...((await listed.json()) as { items: RejectedView[] }).items);
    }
    expect(rejected.filter((r) => r.detail.includes('"444000444"'))).toEqual([
      expect.objectContaining({ reason: "unroutable" }),
    ]);

    // Signed by no configured app, or not a Meta delivery at all: still the 404 of a missing channel.
    const forged = await postWebhook(gone.webhookUrl, forSibling, "not-the-app-secret");
    expect(forged.status).toBe(404);
    const notMeta = await fetch(gone.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ update_id: 1 }),
    });
    expect(notMeta.status).toBe(404);
    expect(await stack.tern.store.inbox.count(siblingChannelId)).toBe(before + 1);
  });

  it("logs a delivery to an id no channel ever had as what is known: no channel has that id", async () => {
    const never = "ch_doesnotexist000000000";
    const url = stack.setup.webhookUrl.replace(/[^/]+$/, never);
    const body = buildTextWebhook({ from: "15550003008", text: "hi", phoneNumberId: "222000222" });
    expect((await postWebhook(url, body, stack.sandbox.wa.config.appSecret)).status).toBe(200);
    const line = stack.logs.find((l) => l.channelId === never && "takenBy" in l);
    expect(line?.msg).toMatch(/a channel id that no channel has/);
    // Nothing says it existed once: it never did.
    expect(line?.msg).not.toMatch(/no longer exists|deleted/);
  });
});

describe("rejected webhook signatures", () => {
  let stack: LoggedStack;
  beforeAll(async () => {
    stack = await startLoggedStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const forge = () => {
    const body = JSON.stringify(buildTextWebhook({ from: "15550004001", text: "hi" }));
    return fetch(stack.setup.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signWebhook(body, "wrong") },
      body,
    });
  };
  const lines = () => stack.logs.filter((l) => l.msg.startsWith("webhook signature rejected"));

  it("are logged at most once per channel per minute, with the count suppressed, and counted", async () => {
    for (let i = 0; i < 5; i++) expect((await forge()).status).toBe(401);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ level: 40, channelId: stack.setup.channelId, suppressed: 0 });
    stack.advanceClock(61_000);
    expect((await forge()).status).toBe(401);
    expect(lines()).toHaveLength(2);
    expect(lines()[1]).toMatchObject({ suppressed: 4 });
    const metrics = await (await stack.http("GET", "/metrics")).text();
    expect(metrics).toContain(`tern_webhook_signature_rejected_total{channel="${stack.setup.channelId}"} 6`);
    expect(await stack.tern.store.inbox.count()).toBe(0);
    expect(JSON.stringify(stack.logs)).not.toContain(stack.sandbox.wa.config.appSecret);
  });
});
