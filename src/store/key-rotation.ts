import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { AppError } from "../core/app-error.js";
import {
  discardNextSecretKey,
  promoteNextSecretKey,
  readSecretKeyFile,
  secretKeyFiles,
  writeNextSecretKey,
} from "../core/data-dir.js";
import { createSecretBox, parseSecretKey } from "../core/secrets.js";
import { migrations } from "./migrations.js";
import { checkSchemaVersion, SchemaTooNewError } from "./schema-version.js";
import { countByKind, firstUnopenable, readSealedValues, type SealedKind } from "./sealed-values.js";

/**
 * `tern keys rotate`: every sealed value re-sealed under a new key in one transaction.
 *
 * Crash-safe ordering with the key file (never a moment where the file's key cannot open the
 * database): 1. write `secret.key.new` durably; 2. commit the re-sealed rows (fsynced);
 * 3. rename `secret.key.new` over `secret.key`. A crash between 1 and 3 leaves both files;
 * `finishKeyRotation` (run on every start) keeps whichever key opens the database.
 * Tern must be stopped meanwhile: a running Tern would keep sealing tokens with the old key.
 */
export interface RotateOptions {
  /** The data directory (TERN_DATA_DIR). */
  root: string;
  /** TERN_SECRET_KEY, when the key comes from the environment: then no file is written. */
  envKey?: string;
  /** The new key (hex or base64, 32 bytes); a random one when absent. */
  newKey?: string;
  /** Where progress and the new key (environment case) are printed. */
  print(line: string): void;
}

export interface RotateResult {
  counts: Record<SealedKind, number>;
  /** The new key, hex. */
  newKey: string;
  /** Where the new key now lives: the key file, or nowhere (the user sets TERN_SECRET_KEY). */
  keyFile: string | null;
}

const databasePathOf = (root: string) => path.join(root, "tern.db");

/**
 * After a rotation stopped between writing `secret.key.new` and renaming it: keep the key that
 * opens the database. Called before the data directory is prepared on every start.
 */
export function finishKeyRotation(root: string): "none" | "completed" | "rolled back" {
  const files = secretKeyFiles(root);
  const next = readSecretKeyFile(files.next);
  if (next === null) return "none";
  const databasePath = databasePathOf(root);
  if (!existsSync(databasePath)) {
    promoteNextSecretKey(root);
    return "completed";
  }
  const nextBox = openerFor(next);
  if (nextBox === null) {
    // Torn before its fsync (step 1): the database was never re-sealed under it.
    discardNextSecretKey(root);
    return "rolled back";
  }
  const db = new BetterSqlite3(databasePath, { fileMustExist: true });
  try {
    const values = tableExists(db, "connections") ? readSealedValues(db) : [];
    if (firstUnopenable(values, nextBox) === null) {
      promoteNextSecretKey(root);
      return "completed";
    }
    const current = readSecretKeyFile(files.current);
    if (current !== null && firstUnopenable(values, createSecretBox(parseSecretKey(current))) === null) {
      discardNextSecretKey(root);
      return "rolled back";
    }
    return "none";
  } finally {
    db.close();
  }
}

/**
 * Takes the database for this connection alone until it closes: a running Tern (any open
 * connection, its checkpointer's too) holds a lock that refuses it, and no Tern can start
 * meanwhile. An outside audit rotated under a running server, which went on sealing new
 * secrets with the old key: after its restart they could not be opened.
 */
function holdAlone(db: BetterSqlite3.Database, databasePath: string): void {
  db.pragma("locking_mode = EXCLUSIVE");
  try {
    db.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (error) {
    if (!/^SQLITE_BUSY/.test(String((error as { code?: unknown }).code))) throw error;
    throw new AppError(
      "BAD_REQUEST",
      `${databasePath} is in use by another process (a running Tern?): stop Tern first. Nothing was changed.`,
    );
  }
}

export function rotateSecretKey(options: RotateOptions): RotateResult {
  const { root, print } = options;
  const databasePath = databasePathOf(root);
  if (!existsSync(databasePath)) {
    throw new AppError("BAD_REQUEST", `No Tern database at ${databasePath}: nothing to re-encrypt.`);
  }
  if (options.envKey === undefined) finishKeyRotation(root);
  const files = secretKeyFiles(root);
  const currentText = options.envKey ?? readSecretKeyFile(files.current);
  const keySource = options.envKey === undefined ? files.current : "TERN_SECRET_KEY";
  if (currentText === null) {
    throw new AppError("BAD_REQUEST", `No secret key at ${files.current} and TERN_SECRET_KEY is not set.`);
  }
  const currentKey = parseSecretKey(currentText);
  const nextKey = options.newKey === undefined ? randomBytes(32) : parseNewKey(options.newKey);
  if (nextKey.equals(currentKey)) {
    throw new AppError(
      "BAD_REQUEST",
      "The new key is the current key; give another one or let Tern generate it.",
    );
  }
  const from = createSecretBox(currentKey);
  const to = createSecretBox(nextKey);
  const nextHex = nextKey.toString("hex");

  const db = new BetterSqlite3(databasePath, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 2000");
    holdAlone(db, databasePath);
    refuseNewerSchema(db);
    // The commit must be on disk before the key file changes (step 2 before step 3).
    db.pragma("synchronous = FULL");
    const values = readSealedValues(db);
    const unopenable = firstUnopenable(values, from);
    if (unopenable) {
      throw new AppError(
        "BAD_REQUEST",
        `The current key (${keySource}) does not open the secrets of ${unopenable.kind} "${unopenable.label}": ` +
          "it is not the key they were sealed with. Nothing was changed.",
      );
    }
    const resealed = values.map((value) => ({ value, sealed: to.seal(from.open(value.sealed)) }));
    const counts = countByKind(values);

    print(`Re-encrypting ${describeCounts(counts)} in ${databasePath} (Tern must be stopped meanwhile).`);
    if (options.envKey === undefined) {
      writeNextSecretKey(root, nextHex);
    } else if (options.newKey === undefined) {
      // Printed before the commit: once it commits, this key is the only one that opens them.
      print("The key comes from TERN_SECRET_KEY, so no key file is written. The new key is:");
      print("");
      print(`  TERN_SECRET_KEY=${nextHex}`);
      print("");
    }
    db.transaction(() => {
      for (const { value, sealed } of resealed) value.replace(sealed);
    })();
    if (options.envKey === undefined) {
      promoteNextSecretKey(root);
      print(`Done. The new key is in ${files.current}; the old key no longer opens anything.`);
      return { counts, newKey: nextHex, keyFile: files.current };
    }
    print(
      "Done. Set TERN_SECRET_KEY to the new key before starting Tern: the old key no longer opens anything.",
    );
    return { counts, newKey: nextHex, keyFile: null };
  } finally {
    db.close();
  }
}

/**
 * A database migrated by a newer Tern may keep secrets where this one does not look: re-sealing
 * only those it knows would leave the others sealed with a key that is then thrown away. Like
 * every other command, rotation refuses a schema newer than it knows (schema-version.ts).
 */
function refuseNewerSchema(db: BetterSqlite3.Database): void {
  const applied = tableExists(db, "schema_migrations")
    ? (db.prepare("SELECT version FROM schema_migrations").all() as Array<{ version: number }>).map(
        (r) => r.version,
      )
    : [];
  try {
    checkSchemaVersion(
      applied,
      migrations.map((m) => m.version),
    );
  } catch (error) {
    if (!(error instanceof SchemaTooNewError)) throw error;
    throw new AppError("BAD_REQUEST", `${error.code}: ${error.message}. Nothing was changed.`);
  }
}

function parseNewKey(text: string): Buffer {
  try {
    return parseSecretKey(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The new key must be 32 bytes, given as 64 hex characters or base64.");
  }
}

function openerFor(keyText: string) {
  try {
    return createSecretBox(parseSecretKey(keyText));
  } catch {
    return null;
  }
}

function tableExists(db: BetterSqlite3.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function describeCounts(counts: Record<SealedKind, number>): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(counts.connection, "connection")}, ${plural(counts.channel, "channel")} and ${plural(counts.token, "token")}`;
}
