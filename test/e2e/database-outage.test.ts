import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAdminClient } from "../../src/cli/api-client.js";
import {
  createCustomer,
  type Provisioned,
  provisionSandbox,
  type Sandbox,
  startSandbox,
} from "../../src/sandbox/stack.js";
import { freePort, processSecrets, spawnTern, type TernProcess } from "../../src/sandbox/tern-process.js";
import { type TestDatabaseEnv, testDatabaseEnv, testDialect } from "../helpers/dialect.js";
import { eventually } from "../helpers/in-process.js";
import { testServerUrl } from "../helpers/postgres.js";
import { sayUntilAcknowledged } from "../helpers/redeliver.js";

type Customer = ReturnType<typeof createCustomer>;

/**
 * The database refuses every connection for a while (`ALLOW_CONNECTIONS false`: a failover or a
 * restore in progress; PostgreSQL answers SQLSTATE 55000) with conversations in flight. An outside
 * audit saw runs failed and answers dead-lettered ("not currently accepting connections" was not
 * known as the database's failure), 500s with a stack per request on the API, and a `serve` that
 * SIGTERM left running and answering nothing once its job runner could not hand its work back.
 */
describe.skipIf(testDialect !== "postgres")(
  "a PostgreSQL database that refuses connections for a while",
  () => {
    let dataDir: string;
    let sandbox: Sandbox;
    let tern: TernProcess;
    let setup: Provisioned;
    let database: TestDatabaseEnv;
    let admin: pg.Client;
    let port: number;
    let testDatabaseName: string;
    let testDatabaseUrl: string;
    const secrets = processSecrets();

    beforeEach(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), "tern-outage-"));
      database = await testDatabaseEnv(secrets);
      sandbox = await startSandbox();
      port = await freePort();
      tern = await spawnTern({ dataDir, ...secrets, port, env: database.env });
      setup = await provisionSandbox(createAdminClient(tern.url, secrets.adminToken), sandbox);
      sandbox.wa.deliverStatusesTo(setup.webhookUrl);
      const location = database.location(dataDir);
      testDatabaseUrl = location.dialect === "postgres" ? location.url : "";
      testDatabaseName = new URL(testDatabaseUrl).pathname.slice(1);
      admin = new pg.Client({ connectionString: testServerUrl() });
      await admin.connect();
    });
    afterEach(async () => {
      if (!admin) return;
      await refuseConnections(false);
      await admin.end();
      await tern.stop();
      await sandbox.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /**
     * Refuses new connections (or allows them again) and cuts Tern's, as a failover would. From the
     * maintenance database: PostgreSQL will not disallow connections to the session's own.
     */
    const refuseConnections = async (refuse: boolean) => {
      const name = admin.escapeIdentifier(testDatabaseName);
      await admin.query(`alter database ${name} allow_connections ${!refuse}`);
      if (refuse)
        await admin.query(
          "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
          [testDatabaseName],
        );
    };

    const say = (customer: Customer, text: string, refusals: number[]) =>
      sayUntilAcknowledged(customer, text, (status) => refusals.push(status));
    const replies = (customers: Customer[], n: number) =>
      eventually(
        () => customers.every((c) => c.received().length >= n),
        45_000,
        `every customer to have ${n} replies`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nTern's output:\n${tern.output().slice(-6_000)}`);
      });
    /** Rows of Tern's database, on a connection of its own. */
    const rows = async (query: string) => {
      const client = new pg.Client({ connectionString: testDatabaseUrl });
      await client.connect();
      try {
        return (await client.query(query)).rows;
      } finally {
        await client.end();
      }
    };
    /**
     * After the database came back: every refusal was a 503, every conversation has its three
     * replies in order and one Lead, and nothing failed, was dead-lettered or went unhandled.
     */
    const expectCompletedCleanly = async (customers: Customer[], refusals: number[]) => {
      expect(new Set(refusals)).toEqual(new Set([503]));
      const leads = sandbox.sf.records("Lead");
      for (const c of customers) {
        const texts = c.received().map((m) => m.text);
        expect(texts, `${c.from}: ${JSON.stringify(texts)}`).toHaveLength(3);
        expect(texts[1], c.from).toContain(`Name ${c.from}`);
        expect(
          leads.filter((l) => l.Phone === `+${c.from}`),
          c.from,
        ).toHaveLength(1);
      }
      expect(await rows("select id from rejected_events where reason = 'processing_failed'")).toEqual([]);
      expect(await rows("select id from runs where status = 'failed'")).toEqual([]);
      expect(tern.output()).not.toMatch(/unhandled|webhook failed|"msg":"unhandled error"/i);
    };
    const api = (p: string) =>
      fetch(`${tern.url}${p}`, { headers: { authorization: `Bearer ${secrets.adminToken}` } });

    it("answers 503 meanwhile, then completes every conversation: nothing failed, dead-lettered or repeated", async () => {
      const customers = Array.from({ length: 20 }, (_, i) =>
        createCustomer(sandbox, setup.webhookUrl, `1555080${1000 + i}`),
      );
      const refusals: number[] = [];
      await Promise.all(customers.map((c) => say(c, "hi", refusals)));
      await replies(customers, 1);

      await refuseConnections(true);
      const names = Promise.all(customers.map((c) => say(c, `Name ${c.from}`, refusals)));
      // The API and readiness say the same as the webhooks: unavailable for now, nothing broken.
      await eventually(
        async () => (await api("/api/v1/flows")).status === 503,
        10_000,
        "the API to answer 503",
      );
      const flows = await api("/api/v1/flows");
      expect(flows.status).toBe(503);
      expect(flows.headers.get("retry-after")).toBe("5");
      expect(((await flows.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
      expect((await fetch(`${tern.url}/readyz`)).status).toBe(503);
      // The process's own metrics are still there, saying the database is down.
      const metrics = await api("/metrics");
      expect(metrics.status).toBe(200);
      const exposition = await metrics.text();
      expect(exposition).toContain("tern_database_up 0");
      expect(exposition).toContain("# TYPE tern_unhandled_rejections_total counter");
      expect(exposition).not.toContain("tern_inbox_backlog");
      expect((await fetch(`${tern.url}/healthz`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 3_000));
      await refuseConnections(false);
      await names;
      await replies(customers, 2);
      await Promise.all(customers.map((c) => say(c, `Company ${c.from}`, refusals)));
      await replies(customers, 3);

      expect(refusals.length, "deliveries were refused during the outage").toBeGreaterThan(0);
      await expectCompletedCleanly(customers, refusals);
      // One line a minute about the outage per kind of route, not one per request.
      const outageLines = tern.output().match(/the database is unavailable/g) ?? [];
      expect(outageLines.length).toBeLessThanOrEqual(4);
    }, 150_000);

    /**
     * A setting of the database that makes it refuse Tern's writes, applied to new sessions, with
     * Tern's connections cut so that the pool reconnects under it (and again when it is reset).
     */
    const setForDatabase = async (setting: string, on: boolean) => {
      const name = admin.escapeIdentifier(testDatabaseName);
      await admin.query(`alter database ${name} ${on ? `set ${setting}` : `reset ${setting.split(" ")[0]}`}`);
      await admin.query(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
        [testDatabaseName],
      );
    };

    it.each([
      {
        // A failover onto a server not promoted yet, a database set read-only for maintenance
        // (SQLSTATE 25006): SELECT 1 still answers, so readiness must come from the writes.
        what: "takes reads only",
        setting: "default_transaction_read_only = on",
        lock: undefined,
      },
      {
        // Maintenance that holds a lock on the inbox (a VACUUM FULL, an ALTER TABLE) under a
        // statement_timeout: every write waits and is cancelled (57014); SELECT 1 answers.
        what: "cancels the writes that wait for a lock",
        setting: "statement_timeout = 300",
        lock: "lock table inbox in access exclusive mode",
      },
    ])(
      "a database that $what: 503 and not ready meanwhile, then every conversation completes",
      async ({ setting, lock }) => {
        const customers = Array.from({ length: 10 }, (_, i) =>
          createCustomer(sandbox, setup.webhookUrl, `1555081${1000 + i}`),
        );
        const refusals: number[] = [];
        await Promise.all(customers.map((c) => say(c, "hi", refusals)));
        await replies(customers, 1);

        await setForDatabase(setting, true);
        const holder = new pg.Client({ connectionString: testDatabaseUrl });
        holder.on("error", () => {}); // cut by the drop after a failed test
        if (lock) {
          await holder.connect();
          await holder.query("begin");
          await holder.query(lock);
        }
        const names = Promise.all(customers.map((c) => say(c, `Name ${c.from}`, refusals)));
        await eventually(
          async () => (await fetch(`${tern.url}/readyz`)).status === 503,
          10_000,
          "/readyz to answer 503",
        );
        const ready = await fetch(`${tern.url}/readyz`);
        expect(await ready.json()).toMatchObject({ status: "unavailable", reason: "writes_failing" });
        expect(await (await api("/metrics")).text()).toContain("tern_database_writes_failing 1");
        await new Promise((r) => setTimeout(r, 3_000));
        if (lock) await holder.end(); // its transaction ends with the connection
        await setForDatabase(setting, false);
        await names;
        await replies(customers, 2);
        await Promise.all(customers.map((c) => say(c, `Company ${c.from}`, refusals)));
        await replies(customers, 3);
        await eventually(
          async () => (await fetch(`${tern.url}/readyz`)).status === 200,
          20_000,
          "ready again",
        );

        expect(refusals.length, "deliveries were refused while writes failed").toBeGreaterThan(0);
        await expectCompletedCleanly(customers, refusals);
      },
      150_000,
    );

    it("a SIGTERM during the outage still ends the process, and a new one takes the conversations on", async () => {
      const customer = createCustomer(sandbox, setup.webhookUrl, "15550809999");
      await say(customer, "hi", []);
      await replies([customer], 1);

      await refuseConnections(true);
      const stoppedAt = Date.now();
      await tern.stop();
      const tookMs = Date.now() - stoppedAt;
      expect(tookMs, `the stop took ${tookMs} ms:\n${tern.output().slice(-4_000)}`).toBeLessThan(35_000);
      // Stopped, not crashed: the steps that could not reach the database said so and went on.
      expect(tern.child.signalCode).toBeNull();
      // 1 when a step of the shutdown could not reach the database (each logged), else 0.
      expect(tern.child.exitCode).toBe(
        /"shutdown: [^"]* failed; going on with the rest"/.test(tern.output()) ? 1 : 0,
      );
      expect(tern.output()).not.toMatch(/unhandled promise rejection|Unhandled 'error' event/);

      await refuseConnections(false);
      tern = await spawnTern({ dataDir, ...secrets, port, env: database.env });
      await say(customer, "Ada Lovelace", []);
      await replies([customer], 2);
      expect(customer.received()[1]?.text).toContain("Ada Lovelace");
    }, 120_000);
  },
);
