import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";

/**
 * `npm start` with nothing configured: Tern wires itself to its built-in sandbox. On the
 * postgres project "nothing" is everything but DATABASE_URL and the secrets it requires.
 */
describe("zero-config start", () => {
  let dataDir: string;
  let tern: TernProcess | null = null;
  let database: TestDatabaseEnv;
  const secrets = processSecrets();
  const api = (method: string, apiPath: string, body?: unknown) =>
    fetch(`${tern!.url}/api/v1${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${secrets.adminToken}`,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "tern-zero-"));
    database = await testDatabaseEnv(secrets);
  });
  afterEach(async () => {
    await tern?.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // 90 s: each test starts Tern twice, and under the whole suite's load on 2 cores one start took
  // more than 15 s.
  it("serves the lead template against the built-in sandbox, also after a restart", async () => {
    for (const round of [1, 2]) {
      tern = await spawnTern({ dataDir, ...secrets, env: { ...database.env, TERN_SANDBOX: "auto" } });
      expect(tern.output()).toContain("Sandbox:");
      const from = `1555000000${round}`;
      for (const [i, text] of ["Hi", "Ada Lovelace", "Analytical Engines"].entries()) {
        expect((await api("POST", "/sandbox/messages", { from, text })).status).toBe(202);
        await eventually(async () => {
          const c = (await (await api("GET", `/sandbox/conversations/${from}`)).json()) as {
            received: unknown[];
          };
          return c.received.length >= i + 1;
        });
      }
      const conversation = (await (await api("GET", `/sandbox/conversations/${from}`)).json()) as {
        received: Array<{ text: string }>;
        leads: Array<{ Id: string; LastName: string }>;
      };
      expect(conversation.leads).toHaveLength(1);
      expect(conversation.leads[0]!.LastName).toBe("Ada Lovelace");
      expect(conversation.received[2]!.text).toContain(conversation.leads[0]!.Id);
      const flows = (await (await api("GET", "/flows")).json()) as { items: Array<{ id: string }> };
      expect(flows.items).toHaveLength(1);
      // Its trigger names every channel type the sandbox simulates: none is "not set up".
      const file = await (await api("GET", `/flows/${flows.items[0]!.id}/export`)).json();
      const checked = (await (await api("POST", "/flows/validate", file)).json()) as {
        valid: boolean;
        warnings: Array<{ message: string }>;
      };
      expect(checked.valid).toBe(true);
      expect(checked.warnings.filter((w) => w.message.includes("channel is set up"))).toEqual([]);
      await tern.stop();
    }
    tern = null;
  }, 90_000);

  it("stays off once a real channel is configured instead", async () => {
    tern = await spawnTern({ dataDir, ...secrets, env: { ...database.env, TERN_SANDBOX: "off" } });
    const res = await api("POST", "/channels", {
      type: "whatsapp",
      name: "prod",
      config: { phoneNumberId: "1", accessToken: "EAAx", appSecret: "s", verifyToken: "v" },
    });
    expect(res.status).toBe(201);
    await tern.stop();
    tern = await spawnTern({ dataDir, ...secrets, env: { ...database.env, TERN_SANDBOX: "auto" } });
    expect(tern.output()).not.toContain("Sandbox:");
    expect((await api("POST", "/sandbox/messages", { from: "15550000009", text: "Hi" })).status).toBe(409);
  }, 90_000);
});
