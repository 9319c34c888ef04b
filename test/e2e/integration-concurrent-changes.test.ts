import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/in-process.js";

/**
 * Two admins changing connections and channels at once. Found by an outside audit on
 * PostgreSQL: 20 creates of one connection name answered 500 (the unique name refused the
 * losers' inserts), 20 of one channel name stored 9 channels of that name, two channels took one
 * WhatsApp number, and two PATCHes of one channel (a rate, an API version) each answered 200 while
 * one change was lost. Each request must see the others' commits, as it does one at a time.
 */
describe("connections and channels changed by many requests at once", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const statuses = async (responses: Response[]) => {
    const out: number[] = [];
    for (const res of responses) {
      out.push(res.status);
      if (res.status >= 500) throw new Error(`${res.status}: ${await res.text()}`);
    }
    return out.sort();
  };
  const waConfig = (phoneNumberId: string) => ({ ...stack.sandbox.wa.config, phoneNumberId });
  const channels = async () =>
    (
      (await (await stack.http("GET", "/api/v1/channels")).json()) as {
        items: Array<{ id: string; name: string; config: Record<string, unknown> }>;
      }
    ).items;

  it("one name, many creates: one 201, the others 409 CONFLICT naming it", async () => {
    for (const kind of ["connections", "channels"] as const) {
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stack.http(
            "POST",
            `/api/v1/${kind}`,
            kind === "connections"
              ? {
                  type: "http",
                  name: "same-name",
                  config: { baseUrl: "https://api.example.com", auth: "bearer", token: `t${i}` },
                }
              : { type: "whatsapp", name: "same-name", config: waConfig(`7000${i}`) },
          ),
        ),
      );
      const codes = await statuses(responses);
      expect(
        codes.filter((c) => c === 201),
        kind,
      ).toHaveLength(1);
      expect(
        codes.filter((c) => c === 409),
        kind,
      ).toHaveLength(11);
      const refused = responses.find((r) => r.status === 409) as Response;
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("CONFLICT");
      expect(body.error.message).toContain('named "same-name" already exists');
    }
    expect((await channels()).filter((c) => c.name === "same-name")).toHaveLength(1);
  });

  it("one WhatsApp number, many channels: only one owns it", async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stack.http("POST", "/api/v1/channels", {
          type: "whatsapp",
          name: `number-${i}`,
          config: waConfig("7100"),
        }),
      ),
    );
    const codes = await statuses(responses);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect((await channels()).filter((c) => c.config.phoneNumberId === "7100")).toHaveLength(1);
  });

  it("two renames to one free name at once: one wins, the other is 409", async () => {
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const res = await stack.http("POST", "/api/v1/channels", {
        type: "whatsapp",
        name: `rename-${n}`,
        config: waConfig(`720${n}`),
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const codes = await statuses(
      await Promise.all(ids.map((id) => stack.http("PATCH", `/api/v1/channels/${id}`, { name: "renamed" }))),
    );
    expect(codes).toEqual([200, 409]);
    expect((await channels()).filter((c) => c.name === "renamed")).toHaveLength(1);
  });

  it("two PATCHes of one channel at once both last", async () => {
    const created = await stack.http("POST", "/api/v1/channels", {
      type: "whatsapp",
      name: "patched",
      config: waConfig("7300"),
    });
    const id = ((await created.json()) as { id: string }).id;
    for (let round = 0; round < 8; round++) {
      const codes = await statuses(
        await Promise.all([
          stack.http("PATCH", `/api/v1/channels/${id}`, { config: { sendRatePerSecond: 10 + round } }),
          stack.http("PATCH", `/api/v1/channels/${id}`, { config: { apiVersion: `v${30 + round}.0` } }),
        ]),
      );
      expect(codes).toEqual([200, 200]);
      const now = (await (await stack.http("GET", `/api/v1/channels/${id}`)).json()) as {
        config: Record<string, unknown>;
      };
      expect(now.config, `round ${round}`).toMatchObject({
        sendRatePerSecond: 10 + round,
        apiVersion: `v${30 + round}.0`,
      });
    }
  });

  it("a PATCH racing a DELETE: 404 once it is gone, never 200 for a channel that no longer exists", async () => {
    for (let round = 0; round < 5; round++) {
      const created = await stack.http("POST", "/api/v1/channels", {
        type: "whatsapp",
        name: `doomed-${round}`,
        config: waConfig(`740${round}`),
      });
      const id = ((await created.json()) as { id: string }).id;
      const [removed, patched] = await Promise.all([
        stack.http("DELETE", `/api/v1/channels/${id}`),
        stack.http("PATCH", `/api/v1/channels/${id}`, { config: { sendRatePerSecond: 5 } }),
      ]);
      expect(removed.status).toBe(204);
      expect([200, 404]).toContain(patched.status);
      const after = await stack.http("GET", `/api/v1/channels/${id}`);
      expect(after.status).toBe(404);
      if (patched.status === 404) {
        expect(((await patched.json()) as { error: { code: string } }).error.code).toBe("CHANNEL_NOT_FOUND");
      }
    }
  });
});
