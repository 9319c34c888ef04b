import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * An outside audit: `PATCH /channels/:id {}` (or the same name again) changed the row's revision,
 * ETag and updatedAt although nothing changed, so every other editor's If-Match then failed. A
 * PATCH that changes nothing stores nothing and answers 200 with the unchanged ETag.
 */
describe("a PATCH that changes nothing", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  let n = 0;
  const resources = [
    {
      path: "/api/v1/connections",
      create: () => ({
        type: "http",
        name: `api-${n++}`,
        config: { auth: "bearer", baseUrl: "https://api.example.com", token: "secret-1" },
      }),
      same: { config: { baseUrl: "https://api.example.com", token: "secret-1" } },
    },
    {
      path: "/api/v1/channels",
      create: () => {
        const account = String(2000 + n++);
        return {
          type: "whatsapp",
          name: `wa-${account}`,
          config: { phoneNumberId: account, accessToken: "a", appSecret: "s", verifyToken: "v" },
        };
      },
      same: { config: { accessToken: "a", verifyToken: "v" } },
    },
  ];

  describe.each(resources)("$path", ({ path, create, same }) => {
    const read = async (id: string) => {
      const res = await stack.http("GET", `${path}/${id}`);
      const body = (await res.json()) as { name: string; revision: string; updatedAt: number };
      return {
        etag: res.headers.get("etag"),
        revision: body.revision,
        updatedAt: body.updatedAt,
        name: body.name,
      };
    };

    it("keeps the ETag, revision and updatedAt for {}, the same name and the same values; a real change moves them", async () => {
      const created = await stack.http("POST", path, create());
      expect(created.status, await created.clone().text()).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const before = await read(id);
      for (const body of [{}, { name: before.name }, same, { name: before.name, ...same }]) {
        const res = await stack.http("PATCH", `${path}/${id}`, body, { "if-match": before.etag ?? "" });
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(res.headers.get("etag"), JSON.stringify(body)).toBe(before.etag);
        expect(((await res.json()) as { revision: string }).revision).toBe(before.revision);
        expect(await read(id), JSON.stringify(body)).toEqual(before);
      }
      // Another editor's If-Match, read before those PATCHes, still holds.
      const renamed = await stack.http(
        "PATCH",
        `${path}/${id}`,
        { name: `${before.name}-2` },
        {
          "if-match": before.etag ?? "",
        },
      );
      expect(renamed.status).toBe(200);
      expect(renamed.headers.get("etag")).not.toBe(before.etag);
    });
  });
});
