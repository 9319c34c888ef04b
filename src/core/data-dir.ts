import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import path from "node:path";

/**
 * First-start bootstrap of the data directory: the secret key that seals secrets at rest and
 * the admin API token, each generated once into a file only the owner can read.
 */
export interface DataDir {
  root: string;
  databasePath: string;
  secretKey: string;
  secretKeySource: "env" | "file" | "generated";
  secretKeyPath: string;
  adminToken: string;
  adminTokenSource: "env" | "file" | "generated";
  adminTokenPath: string;
  /** Files Tern reads that others may read too and that it could not make owner-only. */
  warnings: string[];
}

function readOrCreate(
  file: string,
  make: () => string,
  warnings: string[],
  variable: string,
): { value: string; created: boolean } {
  if (existsSync(file)) {
    // Tighten a file copied in or created by hand with the default 0644.
    const warning = makeOwnerOnly(file, variable);
    if (warning) warnings.push(warning);
    return { value: readFileSync(file, "utf8").trim(), created: false };
  }
  const value = make();
  writeWhole(file, `${value}\n`);
  return { value, created: true };
}

/**
 * Creates `file` with `text`, whole or not at all: written to a temporary file, fsynced, then
 * linked into place (refused if a concurrent start made it first; that one wins) and the
 * directory fsynced. Written in place, a disk that filled during the first start left an empty
 * `secret.key`, which then stopped every later start until someone deleted it.
 */
function writeWhole(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeSynced(temporary, text);
    linkSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  fsyncDirectory(path.dirname(file));
}

/** What TERN_ADMIN_TOKEN must be too (config.ts): long enough not to be guessed, sendable as a Bearer token. */
export function isUsableAdminToken(token: string): boolean {
  return token.length >= 16 && /^\S+$/.test(token);
}

/**
 * 0600, or a warning when that cannot be done and others may read the file. A key file mounted
 * read-only (a Kubernetes Secret, a `:ro` bind mount) or owned by another user stopped the start
 * with "point TERN_DATA_DIR at a directory this user can write", which was not the problem.
 */
function makeOwnerOnly(file: string, variable: string): string | null {
  try {
    chmodSync(file, 0o600);
    return null;
  } catch (error) {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) === 0) return null;
    return `${file} is readable by others (mode ${mode.toString(8).padStart(4, "0")}) and could not be made owner-only (${(error as Error).message}): make it 0600 where it comes from (a Kubernetes Secret's defaultMode: 0400, say), or set ${variable} instead`;
  }
}

function tighten(file: string, mode: number): void {
  try {
    if (existsSync(file)) chmodSync(file, mode);
  } catch {
    // Another owner's file: left as it is.
  }
}

export function prepareDataDir(root: string, env: { secretKey?: string; adminToken?: string }): DataDir {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const keyPath = path.join(root, "secret.key");
  const tokenPath = path.join(root, "admin-token");
  // The directory itself is left as it is when it exists (TERN_DATA_DIR may name a shared one);
  // what it holds is made 0600 file by file, including a key or token file an environment
  // variable now overrides (the old token may still work where it was copied to).
  if (env.secretKey) tighten(keyPath, 0o600);
  if (env.adminToken) tighten(tokenPath, 0o600);
  const warnings: string[] = [];
  const key = env.secretKey
    ? { value: env.secretKey, created: false }
    : readOrCreate(keyPath, () => randomBytes(32).toString("hex"), warnings, "TERN_SECRET_KEY");
  const token = env.adminToken
    ? { value: env.adminToken, created: false }
    : readOrCreate(
        tokenPath,
        () => `tern_${randomBytes(24).toString("base64url")}`,
        warnings,
        "TERN_ADMIN_TOKEN",
      );
  // As TERN_ADMIN_TOKEN must be: an empty file let nobody in, and a short one let anybody guess.
  if (!env.adminToken && !isUsableAdminToken(token.value)) {
    throw new Error(
      `${tokenPath} holds no usable admin token (at least 16 characters, no spaces): ` +
        "delete the file to have one generated at the next start, or set TERN_ADMIN_TOKEN.",
    );
  }
  return {
    root,
    databasePath: path.join(root, "tern.db"),
    secretKey: key.value,
    secretKeySource: env.secretKey ? "env" : key.created ? "generated" : "file",
    secretKeyPath: keyPath,
    adminToken: token.value,
    adminTokenSource: env.adminToken ? "env" : token.created ? "generated" : "file",
    adminTokenPath: tokenPath,
    warnings,
  };
}

/**
 * The data directory of a PostgreSQL process: the key and token come from the environment (main.ts
 * requires both) and the data is in the database, so nothing is read, created or tightened on
 * disk. `prepareDataDir` made `./.tern` in the working directory, or failed on a read-only one.
 */
export function dataDirFromEnv(root: string, env: { secretKey: string; adminToken: string }): DataDir {
  return {
    root,
    databasePath: path.join(root, "tern.db"),
    secretKey: env.secretKey,
    secretKeySource: "env",
    secretKeyPath: path.join(root, "secret.key"),
    adminToken: env.adminToken,
    adminTokenSource: "env",
    adminTokenPath: path.join(root, "admin-token"),
    warnings: [],
  };
}

/**
 * The key file and the next key during `tern keys rotate`. The next key is written durably
 * before the database is re-sealed under it and renamed over the current one after the commit,
 * so at every moment one of the two files opens the database (see store/key-rotation.ts).
 */
export function secretKeyFiles(root: string): { current: string; next: string } {
  return { current: path.join(root, "secret.key"), next: path.join(root, "secret.key.new") };
}

/** Writes `secret.key.new` (owner-only), fsyncing the file and its directory entry. */
export function writeNextSecretKey(root: string, key: string): void {
  const { next } = secretKeyFiles(root);
  writeSynced(next, `${key}\n`);
  chmodSync(next, 0o600);
  fsyncDirectory(root);
}

/** Makes `secret.key.new` the key (an atomic rename), durably. */
export function promoteNextSecretKey(root: string): void {
  const { current, next } = secretKeyFiles(root);
  renameSync(next, current);
  fsyncDirectory(root);
}

export function discardNextSecretKey(root: string): void {
  rmSync(secretKeyFiles(root).next, { force: true });
  fsyncDirectory(root);
}

export function readSecretKeyFile(file: string): string | null {
  return existsSync(file) ? readFileSync(file, "utf8").trim() : null;
}

/** Writes `file` (owner-only when it is created) and fsyncs it. */
function writeSynced(file: string, text: string): void {
  const fd = openSync(file, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
