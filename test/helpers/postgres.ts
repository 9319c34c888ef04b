import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { migrations } from "../../src/store/migrations.js";
import { connectAdmin, databaseUrl, type PostgresAdmin } from "../../src/store/postgres/admin.js";
import { sqlState } from "../../src/store/postgres/errors.js";
import { installJobSchema } from "../../src/store/postgres/jobs-schema.js";
import { openPostgres } from "../../src/store/postgres/open.js";

/** Part of the template's name: a change to the job engine's schema builds a new template. */
const JOB_ENGINE = "graphile-worker 0.17.3 + tern_queue_unlocked";

/**
 * A fresh PostgreSQL database per call, for tests against a real server. Each is a copy of a
 * template migrated once (and kept while the migrations do not change), which takes a fraction
 * of a second where migrating would take more. Names carry their creation time, so databases
 * left by a crashed run are recognised and dropped after an hour.
 */
export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, disconnecting any pool a test left open. */
  drop(): Promise<void>;
}

const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test";
const PREFIX = "tern_t_";
const TEMPLATE_PREFIX = "tern_tpl_";
const STALE_MS = 60 * 60 * 1000;
const TEMPLATE_COMMENT = "tern test template, built at ";

/**
 * A pool of a test's own on `url`. pg-pool's end() resolves before its clients' sockets have
 * closed; the forced DROP of the test database then terminates those backends (57P01), which a
 * pool without an error listener throws as an uncaught exception.
 */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => {});
  return pool;
}

/** The server and maintenance database the tests use (`TERN_TEST_DATABASE_URL`). */
export function testServerUrl(): string {
  return process.env.TERN_TEST_DATABASE_URL || DEFAULT_URL;
}

export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const base = testServerUrl();
  const admin = await connect(base);
  try {
    swept ??= sweepStaleDatabases(admin).then(
      () => {},
      () => {},
    );
    await swept;
    const name = freshName();
    if (options.empty) {
      await admin.create(name);
    } else {
      try {
        await admin.create(name, { template: await ensureTemplate(admin, base) });
      } catch (err) {
        // Another run dropped an old template between our check and the copy: build it again.
        if (sqlState(err) !== "3D000") throw err;
        await admin.create(name, { template: await ensureTemplate(admin, base, true) });
      }
    }
    return { name, url: databaseUrl(base, name), drop: () => dropTestDatabase(name) };
  } finally {
    await admin.close();
  }
}

async function dropTestDatabase(name: string): Promise<void> {
  const admin = await connect(testServerUrl());
  try {
    await admin.drop(name);
  } finally {
    await admin.close();
  }
}

let swept: Promise<void> | undefined;

/**
 * Drops test databases older than an hour (a crashed run's), and templates of other migration
 * sets built more than an hour ago. Failures are ignored: a database still in use stays.
 */
export async function sweepStaleDatabases(
  admin: PostgresAdmin,
  now = Date.now(),
  prefix = PREFIX,
): Promise<string[]> {
  const dropped: string[] = [];
  const current = templateName();
  for (const db of await admin.list(prefix)) {
    const createdAt = createdAtOf(db.name, prefix);
    if (createdAt !== undefined && now - createdAt > STALE_MS) dropped.push(db.name);
  }
  for (const db of await admin.list(TEMPLATE_PREFIX)) {
    const builtAt = Number(
      db.comment?.startsWith(TEMPLATE_COMMENT) ? db.comment.slice(TEMPLATE_COMMENT.length) : 0,
    );
    if (db.name !== current && now - builtAt > STALE_MS) dropped.push(db.name);
  }
  const done: string[] = [];
  for (const name of dropped) {
    await admin.drop(name).then(
      () => done.push(name),
      () => {},
    );
  }
  return done;
}

/** `tern_t_<creation ms, base 36>_<random>`. */
export function freshName(now = Date.now(), prefix = PREFIX): string {
  return `${prefix}${now.toString(36)}_${randomBytes(4).toString("hex")}`;
}

/**
 * Creation time of a database named by `freshName`, or undefined for any other name: other
 * tools may use the prefix too, and a database whose age we cannot tell is never dropped.
 */
function createdAtOf(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const match = /^([0-9a-z]{8,9})_[0-9a-f]{8}$/.exec(name.slice(prefix.length));
  if (!match) return undefined;
  const ms = Number.parseInt(match[1]!, 36);
  return ms > Date.UTC(2024, 0, 1) && ms < Date.now() + STALE_MS ? ms : undefined;
}

/** Named after the migrations it holds, so a change to them builds a new one. */
function templateName(): string {
  const hash = createHash("sha1")
    .update(JSON.stringify([JOB_ENGINE, ...migrations.map((m) => [m.version, m.postgres])]))
    .digest("hex");
  return `${TEMPLATE_PREFIX}${hash.slice(0, 16)}`;
}

let templateReady: string | undefined;

async function ensureTemplate(admin: PostgresAdmin, base: string, rebuild = false): Promise<string> {
  const name = templateName();
  if (templateReady === name && !rebuild) return name;
  // Test files run in parallel processes: one builds, the others wait for it.
  await admin.withLock("tern test template", async () => {
    if (await admin.exists(name)) return;
    const building = freshName();
    await admin.create(building);
    try {
      const db = await openPostgres({ url: databaseUrl(base, building), poolSize: 1 });
      try {
        // graphile-worker's schema too, as every Tern on PostgreSQL installs it at start.
        await installJobSchema(db.pool);
      } finally {
        await db.close();
      }
      await admin.seal(building, name, `${TEMPLATE_COMMENT}${Date.now()}`);
    } catch (err) {
      await admin.drop(building).catch(() => {});
      throw err;
    }
  });
  templateReady = name;
  return name;
}

async function connect(url: string): Promise<PostgresAdmin> {
  try {
    return await connectAdmin(url);
  } catch (err) {
    const shown = new URL(url);
    if (shown.password) shown.password = "***";
    throw new Error(
      `PostgreSQL for the tests is not reachable at ${shown} (${(err as Error).message || String(err)}). ` +
        "Start one (PostgreSQL 15, a user allowed to CREATE DATABASE), or point the tests at one with " +
        "TERN_TEST_DATABASE_URL=postgres://user:password@host:port/database",
      { cause: err },
    );
  }
}
