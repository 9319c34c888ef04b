import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  adminToken: string;
  adminTokenSource: "env" | "file" | "generated";
  adminTokenPath: string;
}

function readOrCreate(file: string, make: () => string): { value: string; created: boolean } {
  if (existsSync(file)) {
    // Tighten a file copied in or created by hand with the default 0644.
    chmodSync(file, 0o600);
    return { value: readFileSync(file, "utf8").trim(), created: false };
  }
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  return { value, created: true };
}

export function prepareDataDir(root: string, env: { secretKey?: string; adminToken?: string }): DataDir {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const keyPath = path.join(root, "secret.key");
  const tokenPath = path.join(root, "admin-token");
  const key = env.secretKey
    ? { value: env.secretKey, created: false }
    : readOrCreate(keyPath, () => randomBytes(32).toString("hex"));
  const token = env.adminToken
    ? { value: env.adminToken, created: false }
    : readOrCreate(tokenPath, () => `tern_${randomBytes(24).toString("base64url")}`);
  return {
    root,
    databasePath: path.join(root, "tern.db"),
    secretKey: key.value,
    secretKeySource: env.secretKey ? "env" : key.created ? "generated" : "file",
    adminToken: token.value,
    adminTokenSource: env.adminToken ? "env" : token.created ? "generated" : "file",
    adminTokenPath: tokenPath,
  };
}
