import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { keepNewest, remember, rememberKey, SIMULATOR_MEMORY, simulatorMemory } from "./bounded.js";
import { startLineChannelSimulator } from "./line/channel-simulator.js";
import { startLineSimulator } from "./line/simulator.js";
import { lineUserId } from "./line/webhooks.js";
import { startSalesforceEmulator } from "./salesforce/index.js";
import { startWhatsAppSimulator } from "./whatsapp/simulator.js";

/** `n` calls of `send(i)`, `width` at a time, in order of i. */
async function times(n: number, width: number, send: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await send(next++);
    }),
  );
}

describe("simulators remember a bounded amount (tern serve runs the sandbox's for months)", () => {
  it("keepNewest, remember and rememberKey keep the newest entries up to the bound", () => {
    expect(simulatorMemory.max).toBe(SIMULATOR_MEMORY);
    const list: number[] = [];
    const map = new Map<number, number>();
    const set = new Set<number>();
    for (let i = 0; i < 250; i++) {
      list.push(i);
      keepNewest(list, 100);
      remember(map, i, i, 100);
      rememberKey(set, i, 100);
      // An entry set again is the newest: it outlives those set after it the first time.
      remember(map, 0, 0, 100);
      rememberKey(set, 0, 100);
    }
    expect(list.length).toBeLessThanOrEqual(100);
    expect(list.at(-1)).toBe(249);
    expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(map.size).toBe(100);
    expect(set.size).toBe(100);
    expect(map.has(0) && set.has(0)).toBe(true);
    expect(map.has(249) && set.has(249)).toBe(true);
    expect(map.has(150) || set.has(150)).toBe(false);
  });

  it("the sandbox's Salesforce org keeps the newest records, and Case numbers never repeat", async () => {
    const max = 100;
    const sf = await startSalesforceEmulator({ maxRecords: max });
    try {
      const { clientId, clientSecret, refreshToken } = sf.credentials;
      const grant = await fetch(`${sf.url}/services/oauth2/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          client_id: clientId,
          client_secret: clientSecret,
          refresh_token: refreshToken,
        }),
      });
      const { access_token: accessToken } = (await grant.json()) as { access_token: string };
      await times(3 * max, 8, async (i) => {
        const response = await fetch(`${sf.instanceUrl}/services/data/v62.0/sobjects/Case`, {
          method: "POST",
          headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
          body: JSON.stringify({ Subject: `case ${i}` }),
        });
        expect(response.status).toBe(201);
        await response.arrayBuffer();
      });
      const cases = sf.records("Case");
      expect(cases.length).toBeLessThanOrEqual(max);
      expect(cases.at(-1)?.CaseNumber).toBe(String(1000 + 3 * max).padStart(8, "0"));
      expect(new Set(cases.map((c) => c.CaseNumber)).size).toBe(cases.length);
    } finally {
      await sf.close();
    }
  });

  describe("over HTTP, past the bound (lowered to 100 so a few hundred requests reach it)", () => {
    const max = 100;
    const n = 3 * max;
    let webhookTarget: Server;
    let webhookUrl: string;
    beforeAll(async () => {
      // Stands in for Tern's webhook: answers every delivery 200.
      webhookTarget = createServer((req, res) => {
        req.resume();
        req.on("end", () => res.end("ok"));
      });
      await new Promise<void>((resolve) => webhookTarget.listen(0, "127.0.0.1", resolve));
      webhookUrl = `http://127.0.0.1:${(webhookTarget.address() as AddressInfo).port}/webhook`;
    });
    afterAll(async () => {
      webhookTarget.closeAllConnections();
      await new Promise((resolve) => webhookTarget.close(resolve));
    });
    beforeEach(() => {
      simulatorMemory.max = max;
    });
    afterEach(() => {
      simulatorMemory.max = SIMULATOR_MEMORY;
    });

    it("the WhatsApp simulator keeps the newest sends and status deliveries", async () => {
      const sim = await startWhatsAppSimulator();
      try {
        sim.deliverStatusesTo(webhookUrl);
        const url = `${sim.url}/v23.0/${sim.config.phoneNumberId}/messages`;
        await times(n, 8, async (i) => {
          const response = await fetch(url, {
            method: "POST",
            headers: {
              authorization: `Bearer ${sim.config.accessToken}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({
              messaging_product: "whatsapp",
              to: "16315551181",
              type: "text",
              text: { body: `m${i}` },
            }),
          });
          expect(response.status).toBe(200);
          await response.arrayBuffer();
        });
        await expect
          .poll(() => sim.statusDeliveries.filter((d) => d.status === "delivered").length > 10)
          .toBe(true);
        await sim.close();
        expect(sim.sent.length).toBeGreaterThanOrEqual(max * 0.9);
        expect(sim.sent.length).toBeLessThanOrEqual(max);
        expect(sim.sent.at(-1)?.text).toBe(`m${n - 1}`);
        expect(sim.sent.some((m) => m.text === "m0")).toBe(false);
        expect(sim.statusDeliveries.length).toBeLessThanOrEqual(max);
      } finally {
        await sim.close();
      }
    });

    it("the LINE simulator keeps the newest pushes and retry keys", async () => {
      const sim = await startLineSimulator();
      try {
        const keys: string[] = [];
        const push = (key: string, i: number) =>
          fetch(`${sim.url}/v2/bot/message/push`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${sim.config.channelAccessToken}`,
              "content-type": "application/json",
              "x-line-retry-key": key,
            },
            body: JSON.stringify({ to: `U${"0".repeat(32)}`, messages: [{ type: "text", text: `m${i}` }] }),
          });
        await times(n, 8, async (i) => {
          const key = crypto.randomUUID();
          keys[i] = key;
          const response = await push(key, i);
          expect(response.status).toBe(200);
          await response.arrayBuffer();
        });
        expect(sim.pushes.length).toBeLessThanOrEqual(max);
        // The newest key is still known (its retry is a 409); the first was forgotten.
        expect((await push(keys[n - 1] as string, n)).status).toBe(409);
        expect((await push(keys[0] as string, n)).status).toBe(200);
      } finally {
        await sim.close();
      }
    });

    it("a channel simulator keeps the customers it made ids for, the newest", async () => {
      const sim = await startLineChannelSimulator();
      try {
        await times(n, 8, async (i) => {
          expect((await sim.say(webhookUrl, { from: `customer-${i}`, text: "hi" })).status).toBe(200);
        });
        const line = sim.config as { channelAccessToken: string };
        for (const who of ["customer-0", `customer-${n - 1}`]) {
          const response = await fetch(`${sim.url}/v2/bot/message/push`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${line.channelAccessToken}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({ to: lineUserId(who), messages: [{ type: "text", text: who }] }),
          });
          expect(response.status).toBe(200);
        }
        // The newest customer is still known by the id the sandbox gave; the first one was forgotten.
        expect(sim.sent.find((m) => m.text === `customer-${n - 1}`)?.to).toBe(`customer-${n - 1}`);
        expect(sim.sent.find((m) => m.text === "customer-0")?.to).toBe(lineUserId("customer-0"));
      } finally {
        await sim.close();
      }
    });
  });
});
