import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCustomer } from "../../src/sandbox/stack.js";
import { buildTextWebhook, postWebhook } from "../../src/sandbox/whatsapp/index.js";
import { rowsMentioning as rowsIn, selectRows } from "../helpers/db-inspect.js";
import { testDialect } from "../helpers/dialect.js";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Every row of every table of Tern's database whose text contains one of the needles, read on
 * a connection of its own (PostgreSQL: the job engine's tables too).
 */
const rowsMentioning = (stack: Stack, needles: string[]) => rowsIn(stack.database, needles);

describe("DELETE /api/v1/contacts/:id erases a person and their conversations", () => {
  let stack: Stack;
  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  const contactNamed = async (name: string) =>
    (await stack.tern.store.contacts.list()).find((c) => c.name === name);

  /** A person's first message, acknowledged and stored but not handled yet (no worker woken). */
  const firstMessageWaiting = (from: string, providerMessageId: string, text: string, profileName?: string) =>
    stack.tern.store.write((tx) =>
      tx.inbox.ingest(
        stack.setup.channelId,
        [
          {
            kind: "message",
            providerMessageId,
            from,
            phone: `+${from}`,
            ...(profileName ? { profileName } : {}),
            timestamp: Date.now(),
            content: { type: "text", text },
          },
        ],
        Date.now(),
      ),
    );

  /** A finished conversation (with a Lead), then a second one left waiting, then a rejected item. */
  async function personWithHistory(from: string, name: string) {
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, from, name);
    await customer.say("hi");
    await customer.waitForReplies(1);
    await customer.say(name);
    await customer.waitForReplies(2);
    await customer.say("Analytical Engines Ltd");
    await customer.waitForReplies(3);
    await customer.say("hello again");
    await customer.waitForReplies(4);
    const bad = buildTextWebhook({ from, text: "unreadable", name });
    const [item] = (bad.entry[0]?.changes[0]?.value.messages ?? []) as Array<{ id?: string }>;
    delete item?.id;
    expect((await postWebhook(stack.setup.webhookUrl, bad, stack.sandbox.wa.config.appSecret)).status).toBe(
      200,
    );
    await stack.tern.worker.idle();
    return customer;
  }

  it("leaves no message, run, inbox row, rejected item or identity of that person, and keeps everyone else's", async () => {
    const ada = await personWithHistory("4915123450001", "Ada Erasable");
    await personWithHistory("4915123450002", "Grace Staying");
    const adaContact = await contactNamed("Ada Erasable");
    expect(adaContact).toBeDefined();
    const needles = ["4915123450001", "Ada Erasable"];
    expect((await rowsMentioning(stack, needles)).map((r) => r.table)).toEqual(
      expect.arrayContaining(["contacts", "messages", "runs", "run_steps", "inbox", "rejected_events"]),
    );
    const runs = await stack.tern.store.runs.list({ contactId: adaContact!.id });
    expect(runs.map((r) => r.status).sort()).toEqual(["completed", "waiting"]);
    const graceBefore = (await rowsMentioning(stack, ["4915123450002"])).length;
    // Effect keys name the run, not the person: looked up by run id ("<runId>:<visit>:<n>").
    const effectsOfRuns = async () =>
      (await selectRows(stack.database, "SELECT key FROM effects"))
        .map((r) => String(r.key))
        .filter((key) => runs.some((run) => key.startsWith(`${run.id}:`)));
    expect(await effectsOfRuns()).not.toEqual([]);

    const res = await stack.http("DELETE", `/api/v1/contacts/${adaContact!.id}`);
    expect(res.status, await res.clone().text()).toBe(204);
    expect(await res.text()).toBe("");

    expect(await rowsMentioning(stack, needles)).toEqual([]);
    for (const run of runs) {
      expect(await stack.tern.store.runs.get(run.id)).toBeUndefined();
      expect(await stack.tern.store.runs.steps(run.id)).toEqual([]);
    }
    expect(await effectsOfRuns()).toEqual([]);
    expect(await rowsMentioning(stack, ["4915123450002"])).toHaveLength(graceBefore);

    // Gone: a second DELETE and a GET answer 404.
    expect((await stack.http("DELETE", `/api/v1/contacts/${adaContact!.id}`)).status).toBe(404);
    expect((await stack.http("GET", `/api/v1/contacts/${adaContact!.id}`)).status).toBe(404);

    // The ended waiting run does not come back: the next message starts afresh as a new contact.
    await ada.say("hi, it's me again");
    await eventually(() => ada.received().length === 5, 10_000, "a fresh greeting");
    expect(ada.received().at(-1)?.text).toContain("What's your name?");
  });

  it("waits for the step the worker is in the middle of, then leaves nothing of that person behind", async () => {
    const from = "4915123450003";
    const customer = createCustomer(stack.sandbox, stack.setup.webhookUrl, from, "Mid Conversation");
    stack.sandbox.wa.holdResponses();
    await customer.say("hi");
    // The greeting reached the provider, whose answer is held: the worker is mid-step.
    await customer.waitForReplies(1);
    await customer.say("Mid Conversation");
    const contact = await eventually(() => contactNamed("Mid Conversation"));
    let isAnswered = false;
    const erasing = stack.http("DELETE", `/api/v1/contacts/${contact.id}`).then((res) => {
      isAnswered = true;
      return res;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isAnswered).toBe(false);
    stack.sandbox.wa.releaseResponses();
    expect((await erasing).status).toBe(204);
    await stack.tern.worker.idle();
    expect(await rowsMentioning(stack, [from, "Mid Conversation"])).toEqual([]);
  });

  it.skipIf(testDialect !== "sqlite")(
    "leaves no byte of the person in the SQLite file, its free pages or its WAL",
    async () => {
      const at = stack.database;
      if (at.dialect !== "sqlite") return;
      // Long answers live in overflow pages: an update frees them whole, bytes and all.
      const long = "Erasable Longname ".repeat(220);
      const customer = createCustomer(
        stack.sandbox,
        stack.setup.webhookUrl,
        "4915123450005",
        "Bytes Erasable",
      );
      await customer.say("hi");
      await customer.waitForReplies(1);
      await customer.say(long);
      await customer.waitForReplies(2);
      await customer.say(`Erasable Engines ${long}`);
      await customer.waitForReplies(3);
      await stack.tern.worker.idle();
      const contact = await contactNamed("Bytes Erasable");
      const files = [at.path, `${at.path}-wal`];
      const bytesMentioning = (needle: string) =>
        files.filter((file) => existsSync(file) && readFileSync(file).includes(needle));
      expect(bytesMentioning("Erasable Longname")).not.toEqual([]);

      const res = await stack.http("DELETE", `/api/v1/contacts/${contact!.id}`);
      expect(res.status, await res.clone().text()).toBe(204);
      for (const needle of ["Erasable Longname", "4915123450005", "Bytes Erasable", contact!.id]) {
        expect(bytesMentioning(needle), needle).toEqual([]);
      }
    },
  );

  it("erases every contact with a phone number through DELETE /api/v1/contacts?phone=", async () => {
    await personWithHistory("4915123450003", "Phone Erasable");
    const res = await stack.http("DELETE", "/api/v1/contacts?phone=%2B4915123450003");
    expect(res.status, await res.clone().text()).toBe(204);
    expect(await rowsMentioning(stack, ["4915123450003", "Phone Erasable"])).toEqual([]);
    expect((await stack.http("DELETE", "/api/v1/contacts?phone=%2B4915123450003")).status).toBe(404);
  });

  it("erases through ?phone= the messages of a number that is nobody's contact yet, still waiting to be handled", async () => {
    // Acknowledged, not yet handled (a backlog, no worker running): stored without waking the worker.
    const from = "4915123450006";
    const [key] = await firstMessageWaiting(
      from,
      "wamid.pending-erasable",
      "hi, I am Pending Erasable",
      "Pending Erasable",
    );
    expect(await rowsMentioning(stack, [from])).not.toEqual([]);
    const res = await stack.http("DELETE", `/api/v1/contacts?phone=%2B${from}`);
    expect(res.status, await res.clone().text()).toBe(204);
    expect(await rowsMentioning(stack, [from, "Pending Erasable"])).toEqual([]);
    // Woken now, the worker finds nothing to make a contact of.
    stack.tern.worker.notify([key ?? ""]);
    await stack.tern.worker.idle();
    expect(await contactNamed("Pending Erasable")).toBeUndefined();
    expect((await stack.http("DELETE", `/api/v1/contacts?phone=%2B${from}`)).status).toBe(404);
  });

  it("erases a Mexican WhatsApp customer by either form of their number: +52 1 … as WhatsApp names them, or +52 …", async () => {
    // WhatsApp keeps the "1" Mexico dropped in 2019 in a mobile's wa_id; the contact stores +52 ….
    await personWithHistory("5215512340003", "Mx Erasable");
    const res = await stack.http("DELETE", "/api/v1/contacts?phone=%2B5215512340003");
    expect(res.status, await res.clone().text()).toBe(204);
    expect(await rowsMentioning(stack, ["5512340003", "Mx Erasable"])).toEqual([]);
    // A first message still waiting, from a wa_id in the old form, erased by the number as dialled today.
    const from = "5215512340006";
    await firstMessageWaiting(from, "wamid.pending-mx", "hola, soy Mx Pending");
    const pending = await stack.http("DELETE", "/api/v1/contacts?phone=%2B525512340006");
    expect(pending.status, await pending.clone().text()).toBe(204);
    // PostgreSQL: an erasure job that met the conversation's turn busy runs again a second later.
    const left = async () => (await rowsMentioning(stack, ["5512340006", "Mx Pending"])).length === 0;
    await eventually(left, 10_000, "nothing left of the waiting message");
  });

  it("erases a Brazilian WhatsApp customer by the number as dialled today: their account is named by the 8 digits from before the ninth digit", async () => {
    await personWithHistory("551187650007", "Br Erasable");
    const listed = await stack.http("GET", "/api/v1/contacts?phone=%2B5511987650007");
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1);
    const res = await stack.http("DELETE", "/api/v1/contacts?phone=%2B5511987650007");
    expect(res.status, await res.clone().text()).toBe(204);
    expect(await rowsMentioning(stack, ["87650007", "Br Erasable"])).toEqual([]);
    // A first message still waiting under the old form, erased by the new one.
    const from = "551187650008";
    await firstMessageWaiting(from, "wamid.pending-br", "oi, sou Br Pending");
    const pending = await stack.http("DELETE", "/api/v1/contacts?phone=%2B5511987650008");
    expect(pending.status, await pending.clone().text()).toBe(204);
    const left = async () => (await rowsMentioning(stack, ["87650008", "Br Pending"])).length === 0;
    await eventually(left, 10_000, "nothing left of the waiting message");
  });

  it("answers malformed erasure requests with a clear error and changes nothing", async () => {
    await personWithHistory("4915123450004", "Kept Safe");
    const contact = (await contactNamed("Kept Safe"))!;
    const before = (await rowsMentioning(stack, ["4915123450004"])).length;
    const cases: Array<[string, string, unknown, number, string?]> = [
      ["DELETE", "/api/v1/contacts/ct_unknown0000000000", undefined, 404, "NOT_FOUND"],
      ["DELETE", "/api/v1/contacts/not-a-contact", undefined, 400],
      ["DELETE", `/api/v1/contacts/${contact.id}%27%20OR%201=1`, undefined, 400],
      ["DELETE", `/api/v1/contacts/${contact.id}`, { phone: "+4915123450004" }, 400, "BAD_REQUEST"],
      ["DELETE", `/api/v1/contacts/${contact.id}`, "[1]", 400, "BAD_REQUEST"],
      ["DELETE", "/api/v1/contacts", undefined, 400],
      ["DELETE", "/api/v1/contacts?phone=4915123450004", undefined, 400],
      ["DELETE", "/api/v1/contacts?phone=%2B49151234%25", undefined, 400],
      // A filter in the query is refused, not ignored: the person was erased whatever it said.
      ["DELETE", "/api/v1/contacts?phone=%2B4915123450004&tag=nobody", undefined, 400, "BAD_REQUEST"],
      ["DELETE", `/api/v1/contacts/${contact.id}?channelId=ch_other`, undefined, 400, "BAD_REQUEST"],
      ["POST", `/api/v1/contacts/${contact.id}`, undefined, 405, "METHOD_NOT_ALLOWED"],
      ["PUT", `/api/v1/contacts/${contact.id}`, {}, 405, "METHOD_NOT_ALLOWED"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await stack.http(method, path, body);
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(status);
      const json = (await res.json()) as { error?: { code: string; message: string } };
      if (code) expect(json.error?.code).toBe(code);
      expect(JSON.stringify(json)).not.toContain("4915123450004");
    }
    // Without the admin token: 401, nothing erased.
    const anonymous = await fetch(`${stack.tern.url}/api/v1/contacts/${contact.id}`, { method: "DELETE" });
    expect(anonymous.status).toBe(401);
    expect(await rowsMentioning(stack, ["4915123450004"])).toHaveLength(before);
    expect(await stack.tern.store.contacts.get(contact.id)).toBeDefined();
  });
});
