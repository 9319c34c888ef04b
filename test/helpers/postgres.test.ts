import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { connectAdmin } from "../../src/store/postgres/admin.js";
import {
  createTestDatabase,
  freshName,
  sweepStaleDatabases,
  type TestDatabase,
  testServerUrl,
} from "./postgres.js";

describe("createTestDatabase", () => {
  const created: TestDatabase[] = [];
  afterEach(async () => {
    for (const d of created.splice(0)) await d.drop();
  });
  const versionsIn = async (url: string, table = "schema_migrations"): Promise<number[] | null> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const exists = (await client.query("SELECT to_regclass($1) AS t", [table])).rows[0].t !== null;
      if (!exists) return null;
      return (
        await client.query<{ version: number }>(`SELECT version FROM ${table} ORDER BY version`)
      ).rows.map((r) => r.version);
    } finally {
      await client.end();
    }
  };

  it("gives every call its own migrated database, and drop removes it", async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    created.push(a!, b!);
    expect(a!.name).not.toBe(b!.name);
    expect(await versionsIn(a!.url)).toEqual(migrations.map((m) => m.version));
    const client = new pg.Client({ connectionString: a!.url });
    await client.connect();
    await client.query("INSERT INTO schema_migrations VALUES (99, 'only in a', 1)");
    await client.end();
    expect(await versionsIn(b!.url)).toEqual(migrations.map((m) => m.version));

    await a!.drop();
    const admin = await connectAdmin(testServerUrl());
    try {
      expect(await admin.exists(a!.name)).toBe(false);
      expect(await admin.exists(b!.name)).toBe(true);
    } finally {
      await admin.close();
    }
  });

  it("gives an empty database when asked", async () => {
    const d = await createTestDatabase({ empty: true });
    created.push(d);
    expect(await versionsIn(d.url)).toBe(null);
  });

  it("drops the test databases a crashed run left more than an hour ago, and only those", async () => {
    const admin = await connectAdmin(testServerUrl());
    // A prefix of this test's own: the sweep each test process runs at its first database (the
    // default prefix) cannot take `old` from under this one (it did once, in a full suite).
    const prefix = `tern_t_sweep${process.pid}_`;
    const old = freshName(Date.now() - 2 * 60 * 60 * 1000, prefix);
    const recent = freshName(Date.now() - 10 * 60 * 1000, prefix);
    // Someone else's database under the same prefix: its age is unknown, so it stays.
    const foreign = `${prefix}other`;
    try {
      for (const name of [old, recent, foreign]) await admin.create(name);
      const dropped = await sweepStaleDatabases(admin, Date.now(), prefix);
      expect(dropped).toContain(old);
      expect(dropped).not.toContain(recent);
      expect(dropped).not.toContain(foreign);
      expect(await admin.exists(old)).toBe(false);
      expect(await admin.exists(recent)).toBe(true);
      expect(await admin.exists(foreign)).toBe(true);
    } finally {
      for (const name of [old, recent, foreign]) await admin.drop(name);
      await admin.close();
    }
  });

  it("says how to point the tests at a server when PostgreSQL is unreachable", async () => {
    const saved = process.env.TERN_TEST_DATABASE_URL;
    process.env.TERN_TEST_DATABASE_URL = "postgres://tern:secret@127.0.0.1:1/test";
    try {
      const failed = createTestDatabase();
      await expect(failed).rejects.toThrow(/not reachable at postgres:\/\/tern:\*\*\*@127\.0\.0\.1:1\/test/);
      await expect(failed).rejects.toThrow(/TERN_TEST_DATABASE_URL=postgres:\/\//);
    } finally {
      if (saved === undefined) delete process.env.TERN_TEST_DATABASE_URL;
      else process.env.TERN_TEST_DATABASE_URL = saved;
    }
  });
});
