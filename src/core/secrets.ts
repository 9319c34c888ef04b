import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Encrypts secrets at rest with AES-256-GCM. The stored form is `v1.<iv>.<tag>.<ciphertext>`
 * (base64url) so the key or algorithm can be rotated later by bumping the prefix.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/** `source` names where the key came from in the error: the variable, or a key file's path. */
export function parseSecretKey(value: string, source = "TERN_SECRET_KEY"): Buffer {
  const trimmed = value.trim();
  if (trimmed === "" && source !== "TERN_SECRET_KEY") {
    // Tern of before 2026-12-06 wrote the file in place: a disk that filled during the first
    // start left it empty, and no secret can have been sealed with an empty key.
    throw new Error(
      `${source} is empty (a first start that failed while writing it leaves one): delete it to have a key made at the next start, as nothing can have been sealed with an empty key. If it was emptied by mistake, restore it from your backup instead.`,
    );
  }
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new Error(`${source} must be 32 bytes, given as 64 hex characters or base64`);
  }
  return key;
}

export function createSecretBox(key: Buffer): SecretBox {
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ["v1", iv.toString("base64url"), tag.toString("base64url"), data.toString("base64url")].join(
        ".",
      );
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split(".");
      if (version !== "v1" || !iv || !tag || data === undefined)
        throw new Error("Unrecognized sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    },
  };
}
