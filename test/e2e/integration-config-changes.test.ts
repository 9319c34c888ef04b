import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * What a channel's or connection's config change may do. Found by an outside audit: a PATCH of
 * `apiBaseUrl` alone kept the stored access token, and the next send carried it to the new host;
 * a mistyped key (`access_token`) answered 200 and rotated nothing.
 */
describe("changing a channel's or connection's config", () => {
  let stack: Stack;
  let channelId: string;
  beforeAll(async () => {
    stack = await startStack();
    const created = await stack.http("POST", "/api/v1/channels", {
      type: "whatsapp",
      name: "wa-own",
      config: { ...stack.sandbox.wa.config, phoneNumberId: "555000777" },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    channelId = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await stack.close();
  });

  const channel = async () =>
    (await (await stack.http("GET", `/api/v1/channels/${channelId}`)).json()) as {
      config: Record<string, unknown>;
      updatedAt: number;
    };
  const problems = async (res: Response) =>
    ((await res.json()) as { error: { code: string; details: { errors: Array<{ path: string }> } } }).error;

  it("refuses to move apiBaseUrl without the secrets, changes nothing, and sends no secret there", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
      const before = await channel();
      const moved = await stack.http("PATCH", `/api/v1/channels/${channelId}`, {
        config: { apiBaseUrl: url },
      });
      expect(moved.status).toBe(422);
      const error = await problems(moved);
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.details.errors.map((e) => e.path).sort()).toEqual([
        "$.config.accessToken",
        "$.config.appSecret",
        "$.config.verifyToken",
      ]);
      expect(await channel()).toEqual(before);

      // With the secrets sent again, the move is the admin's own choice.
      const resent = await stack.http("PATCH", `/api/v1/channels/${channelId}`, {
        config: {
          apiBaseUrl: url,
          accessToken: "new-token",
          appSecret: "new-secret",
          verifyToken: "new-verify",
        },
      });
      expect(resent.status, await resent.clone().text()).toBe(200);
      expect((await channel()).config.apiBaseUrl).toBe(url);
      expect(seen).toEqual([]);
    } finally {
      elsewhere.close();
    }
  });

  it("refuses a key the type does not have, on create and on change, and changes nothing", async () => {
    const before = await channel();
    const typo = await stack.http("PATCH", `/api/v1/channels/${channelId}`, {
      config: { access_token: "rotated" },
    });
    expect(typo.status).toBe(422);
    expect((await problems(typo)).details.errors.map((e) => e.path)).toEqual(["$.config.access_token"]);
    expect(await channel()).toEqual(before);

    const created = await stack.http("POST", "/api/v1/channels", {
      type: "whatsapp",
      name: "wa-typo",
      config: { ...stack.sandbox.wa.config, phoneNumberId: "555000778", sendRatePerSecnd: 1 },
    });
    expect(created.status).toBe(422);
    expect((await problems(created)).details.errors.map((e) => e.path)).toEqual([
      "$.config.sendRatePerSecnd",
    ]);
    const names = (
      (await (await stack.http("GET", "/api/v1/channels")).json()) as { items: Array<{ name: string }> }
    ).items.map((c) => c.name);
    expect(names).not.toContain("wa-typo");
  });

  it("refuses a name that reads like another one, or with spaces around it or invisible characters", async () => {
    const create = (name: string, phoneNumberId: string) =>
      stack.http("POST", "/api/v1/channels", {
        type: "whatsapp",
        name,
        config: { ...stack.sandbox.wa.config, phoneNumberId },
      });
    for (const [i, name] of [" wa-own ", "wa-own\u200b", "wa\u0000own"].entries()) {
      const res = await create(name, `55500078${i}`);
      expect(res.status, JSON.stringify(name)).toBe(400);
    }
    for (const [i, name] of ["WA-OWN", "\uff57\uff41-own"].entries()) {
      const res = await create(name, `55500079${i}`);
      expect(res.status, name).toBe(409);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
        `A channel named "wa-own" already exists`,
      );
    }
    const names = (
      (await (await stack.http("GET", "/api/v1/channels")).json()) as { items: Array<{ name: string }> }
    ).items.map((c) => c.name);
    expect(names.filter((n) => n.toLowerCase().includes("own"))).toEqual(["wa-own"]);
  });
});
