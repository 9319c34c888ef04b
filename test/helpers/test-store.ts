import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createSecretBox, type SecretBox } from "../../src/core/secrets.js";
import { openPostgresStore, openStore, type Store } from "../../src/store/store.js";
import { type DatabaseLocation, testDialect } from "./dialect.js";
import { createTestDatabase } from "./postgres.js";

/** A store on its own fresh database; `close()` closes it and removes the database. */
export interface TestStore extends Store {
  readonly location: DatabaseLocation;
}

export interface TestStoreOptions {
  box?: SecretBox;
  /** SQLite only: faster commits for tests that write a lot (default FULL, as Tern runs). */
  synchronous?: "FULL" | "NORMAL";
}

/**
 * A `Store` on the dialect the suite runs on (`testDialect`): a SQLite file in a temp directory,
 * or a fresh PostgreSQL database copied from the migrated template.
 */
export async function openTestStore(options: TestStoreOptions = {}): Promise<TestStore> {
  const box = options.box ?? createSecretBox(randomBytes(32));
  if (testDialect === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "tern-store-"));
    const file = path.join(dir, "tern.db");
    const store = openStore({ path: file, box, synchronous: options.synchronous });
    return withDisposal(store, { dialect: "sqlite", path: file }, async () =>
      rmSync(dir, { recursive: true, force: true }),
    );
  }
  const database = await createTestDatabase();
  try {
    // A handful of connections: every test file runs in its own process, all on one server.
    const store = await openPostgresStore({ url: database.url, box, poolSize: 4 });
    return withDisposal(store, { dialect: "postgres", url: database.url }, database.drop);
  } catch (error) {
    await database.drop();
    throw error;
  }
}

function withDisposal(store: Store, location: DatabaseLocation, remove: () => Promise<void>): TestStore {
  let closing: Promise<void> | undefined;
  return {
    ...store,
    location,
    close() {
      closing ??= store.close().finally(remove);
      return closing;
    },
  };
}
