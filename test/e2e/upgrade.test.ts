import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { testDialect } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";
import { adminApi } from "../helpers/real-thing.js";

/**
 * An upgrade as a user makes it: the data directory an earlier release left behind (its
 * `npm start` sandbox, a customer half way through the lead template, the server stopped), and
 * this release started on it. The migrations must carry the rows over and the engine must take
 * the waiting run up where the old one left it. Fixtures: test/fixtures/upgrade/README.md.
 */
const FIXTURES = path.join(import.meta.dirname, "..", "fixtures", "upgrade");
// `stoppedAt`: when the old release was stopped (its log's "shutting down").
const releases = [
  { release: "2026-12-02-cb99eab", stoppedAt: 1796516016568 },
  { release: "2026-12-04-f4e7c0a", stoppedAt: 1796515476896 },
];

/**
 * The fixture's SQL with every time in it (ms since the epoch, made on 2026-12-06) moved by the
 * time since the old release stopped: the customer stopped answering a moment ago whenever the
 * suite runs, and the question's deadline (a day after it was asked) and WhatsApp's 24-hour
 * window are as far off as they were then.
 */
function shiftedToNow(sql: string, stoppedAt: number): string {
  const TIME = /(?<![\w+/=])179\d{10}(?![\w+/=])/g;
  const shift = Date.now() - stoppedAt;
  return sql.replace(TIME, (t) => String(Number(t) + shift));
}

describe.skipIf(testDialect !== "sqlite")("a data directory left by an earlier release", () => {
  let tern: TernProcess | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await tern?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(releases)(
    "$release: migrates on start and finishes the conversation the old release left waiting",
    async ({ release, stoppedAt }) => {
      dataDir = mkdtempSync(path.join(tmpdir(), "tern-upgrade-"));
      const fixture = path.join(FIXTURES, release);
      for (const file of readdirSync(fixture).filter((f) => f !== "tern.sql")) {
        copyFileSync(path.join(fixture, file), path.join(dataDir, file));
        chmodSync(path.join(dataDir, file), 0o600);
      }
      const db = new Database(path.join(dataDir, "tern.db"));
      db.exec(shiftedToNow(readFileSync(path.join(fixture, "tern.sql"), "utf8"), stoppedAt));
      db.close();
      const secretKey = readFileSync(path.join(dataDir, "secret.key"), "utf8").trim();
      const adminToken = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();

      tern = await spawnTern({
        dataDir,
        adminToken,
        secretKey,
        port: await freePort(),
        env: { TERN_SANDBOX: "auto" },
      });
      const api = adminApi(tern.url, adminToken);
      const [waiting] = (await api("GET", "/runs?status=waiting")).body.items as Array<{
        id: string;
        currentStep: string;
      }>;
      expect(waiting?.currentStep).toBe("ask_company");

      const say = (from: string, text: string) => api("POST", "/sandbox/messages", { from, text });
      const said = await say("15551234567", "Analytical Engines Ltd");
      expect(said.status, JSON.stringify(said.body)).toBe(202);
      const conversation = await eventually(async () => {
        const body = (await api("GET", "/sandbox/conversations/15551234567")).body as {
          received: Array<{ text: string }>;
          leads: Array<{ Id: string; LastName: string; Company: string }>;
        };
        return body.leads.length > 0 && body.received.some((m) => /reference is 00Q/.test(m.text))
          ? body
          : undefined;
      }, 20_000);
      expect(conversation.leads).toEqual([
        expect.objectContaining({ LastName: "Ada Lovelace", Company: "Analytical Engines Ltd" }),
      ]);
      expect(conversation.received.at(-1)?.text).toContain(conversation.leads[0]?.Id);

      // The run is the old one, completed, its history whole: the answers taken by the old release too.
      const run = (await api("GET", `/runs/${waiting?.id}`)).body as {
        status: string;
        steps: Array<{ stepId: string; status: string }>;
      };
      expect(run.status).toBe("completed");
      expect(run.steps.map((s) => s.stepId)).toEqual(expect.arrayContaining(["ask_name", "ask_company"]));
      expect((await api("GET", "/runs")).body.items).toHaveLength(1);

      // A new customer goes through the upgraded flow from the start.
      expect((await say("15557654321", "Hi")).status).toBe(202);
      await eventually(async () => {
        const body = (await api("GET", "/sandbox/conversations/15557654321")).body as { received: unknown[] };
        return body.received.length > 0 || undefined;
      }, 20_000);
    },
  );
});
