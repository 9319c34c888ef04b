import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Stack, startStack } from "../helpers/in-process.js";

/**
 * GET /api/v1/contacts lists newest first. Contacts are created while a client pages through
 * (every first message makes one): `cursor` continues after the last contact of the previous
 * page, so a page never repeats one or skips one; `offset` shifts by every contact created since.
 */
describe("GET /api/v1/contacts pages", () => {
  let stack: Stack;
  const FLOW = "contacts_paging";
  beforeAll(async () => {
    stack = await startStack();
    const flow = {
      schema: "tern.flow/v1",
      name: "paging",
      trigger: { type: "api" },
      steps: [{ id: "hi", type: "send", text: "Hi" }],
    };
    expect((await stack.http("PUT", `/api/v1/flows/${FLOW}`, flow)).status).toBe(201);
    expect((await stack.http("POST", `/api/v1/flows/${FLOW}/publish`)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  type Page = { items: Array<{ id: string }>; nextCursor: string | null; nextOffset: number | null };
  const list = async (query: string) => {
    const res = await stack.http("GET", `/api/v1/contacts?${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Page;
  };
  let created = 0;
  /** New contacts, each from an API-triggered run; waits until the list has them. */
  const createContacts = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const address = `4915110000${String(created++).padStart(3, "0")}`;
      const contact = { channel: stack.setup.channelId, address };
      expect((await stack.http("POST", `/api/v1/flows/${FLOW}/runs`, { contact })).status).toBe(202);
    }
    await eventually(async () => (await list("limit=500")).items.length === created, 10_000, "contacts");
  };

  it("continues after the previous page with cursor, however many contacts were created meanwhile (found by an OpenAPI audit)", async () => {
    await createContacts(7);
    const before = (await list("limit=500")).items.map((c) => c.id);
    const paged: string[] = [];
    let page = await list("limit=3");
    paged.push(...page.items.map((c) => c.id));
    // Two people write while the client reads page 1.
    await createContacts(2);
    while (page.nextCursor) {
      page = await list(`limit=3&cursor=${encodeURIComponent(page.nextCursor)}`);
      paged.push(...page.items.map((c) => c.id));
    }
    expect(paged).toEqual(before);
    expect(page.nextOffset).toBeNull();
  });

  it("refuses a cursor with an offset, and a cursor that is none", async () => {
    expect((await stack.http("GET", "/api/v1/contacts?cursor=1:ct_x&offset=3")).status).toBe(400);
    expect((await stack.http("GET", "/api/v1/contacts?cursor=yesterday")).status).toBe(400);
  });
});
