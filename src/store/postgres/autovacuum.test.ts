import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/helpers/postgres.js";
import { createSecretBox } from "../../core/secrets.js";
import { openPostgresStore } from "../store.js";
import { autovacuumState, autovacuumWarning } from "./autovacuum.js";

describe("autovacuum check (PostgreSQL)", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it("reads the server's setting and the tables it is off for, and the store warns at start", async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.drop());
    const warnings: string[] = [];
    const log = { error: () => {}, warn: (_: object, msg?: string) => warnings.push(msg ?? "") };
    const box = createSecretBox(randomBytes(32));
    const open = async () => {
      const store = await openPostgresStore({ url: database.url, box, poolSize: 2, log });
      cleanup.push(() => store.close());
      return store;
    };
    const first = await open();
    const serverOn =
      (await first.db.pool.query<{ v: string }>("SELECT current_setting('autovacuum') AS v")).rows[0]?.v ===
      "on";
    expect(await autovacuumState(first.db.pool)).toEqual({ serverOn, tablesOff: [] });
    expect(warnings).toEqual(serverOn ? [] : [expect.stringMatching(/autovacuum is off on this server/)]);

    await first.db.pool.query("ALTER TABLE runs SET (autovacuum_enabled = false)");
    await first.db.pool.query("ALTER TABLE graphile_worker._private_jobs SET (autovacuum_enabled = off)");
    const state = await autovacuumState(first.db.pool);
    expect(state.tablesOff).toEqual(["graphile_worker._private_jobs", "public.runs"]);
    warnings.length = 0;
    await open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      serverOn ? /autovacuum is off for graphile_worker\._private_jobs, public\.runs/ : /on this server/,
    );
  });

  it("says nothing when the server and every table vacuum", () => {
    expect(autovacuumWarning({ serverOn: true, tablesOff: [] })).toBeNull();
    expect(autovacuumWarning({ serverOn: true, tablesOff: ["public.inbox"] })).toMatch(
      /off for public\.inbox/,
    );
  });
});
