import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ViberConfig } from "../../channels/viber/config.js";
import { verify } from "../../channels/viber/verify.js";
import { startViberSimulator, type ViberSimulator } from "./simulator.js";

/** The simulator answers as Viber documents: HTTP 200 with status 0 or an error code. */
describe("Viber simulator", () => {
  let sim: ViberSimulator;
  beforeEach(async () => {
    sim = await startViberSimulator();
  });
  afterEach(async () => {
    await sim.close();
  });
  const call = async (path: string, body: unknown, token: string | null = sim.config.authToken) => {
    const response = await fetch(`${sim.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { "x-viber-auth-token": token } : {}) },
      body: JSON.stringify(body),
    });
    return { http: response.status, text: await response.text() };
  };

  /** A webhook endpoint answering `status`, recording what it got. */
  async function endpoint(status: number) {
    const got: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/ch_1`;
    return { url, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it("answers a missing or wrong token with status 2 over HTTP 200", async () => {
    expect(await call("/pa/send_message", {}, null)).toEqual({
      http: 200,
      text: '{"status":2,"status_message":"missing_auth_token"}',
    });
    expect(JSON.parse((await call("/pa/send_message", {}, "nope")).text)).toMatchObject({ status: 2 });
  });

  it("set_webhook performs the signed callback check and fails when it is not answered 200", async () => {
    const good = await endpoint(200);
    const bad = await endpoint(500);
    try {
      expect(JSON.parse((await call("/pa/set_webhook", { url: bad.url })).text)).toEqual({
        status: 1,
        status_message: "invalidUrl",
      });
      expect(sim.webhook).toBeNull();
      expect(
        JSON.parse((await call("/pa/set_webhook", { url: good.url, event_types: ["delivered"] })).text),
      ).toEqual({
        status: 0,
        status_message: "ok",
        event_types: ["delivered"],
      });
      const check = good.got[0];
      expect(check?.body).toMatch(
        /^\{"event":"webhook","timestamp":\d+,"chat_hostname":"SN-CHAT-01_","message_token":\d{19}\}$/,
      );
      const request = {
        method: "POST" as const,
        headers: check?.headers as Record<string, string>,
        query: {},
        url: good.url,
        rawBody: Buffer.from(check?.body ?? ""),
      };
      expect(() => verify(request, ViberConfig.parse(sim.config))).not.toThrow();
      expect(
        JSON.parse((await call("/pa/set_webhook", { url: "http://tern.example/x" })).text),
      ).toMatchObject({ status: 1 });
    } finally {
      await good.close();
      await bad.close();
    }
  });

  it("sends only to subscribers and answers a bare int64 message_token", async () => {
    const message = {
      receiver: "u1",
      min_api_version: 1,
      sender: { name: "Acme" },
      type: "text",
      text: "hi",
    };
    expect(JSON.parse((await call("/pa/send_message", message)).text)).toEqual({
      status: 6,
      status_message: "notSubscribed",
    });
    sim.subscribe("u1");
    const { text } = await call("/pa/send_message", message);
    const token = /"message_token":(\d+)/.exec(text)?.[1];
    expect(token && BigInt(token) > 2n ** 53n).toBe(true);
    expect(sim.sent[0]?.messageToken).toBe(token);
    expect(
      JSON.parse((await call("/pa/send_message", { ...message, sender: { name: "x".repeat(29) } })).text),
    ).toMatchObject({ status: 3 });
    expect(
      JSON.parse(
        (
          await call("/pa/send_message", {
            ...message,
            keyboard: { Type: "keyboard", Buttons: [{ Text: "A" }] },
          })
        ).text,
      ),
    ).toMatchObject({ status: 3 });
  });
});
