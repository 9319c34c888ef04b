import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareDataDir } from "./data-dir.js";

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

/**
 * Makes a file's mode unchangeable, as a read-only mount does (a Kubernetes Secret): `chattr +i`
 * needs root and a file system that has the attribute; false where that cannot be had.
 */
const freezeMode = (file: string): boolean => {
  try {
    execFileSync("chattr", ["+i", file], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const unfreeze = (file: string) => execFileSync("chattr", ["-i", file], { stdio: "ignore" });

describe("prepareDataDir", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "tern-dd-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("creates the secret key and admin token readable by the owner only", () => {
    const dir = prepareDataDir(path.join(root, "data"), {});
    expect(dir.secretKeySource).toBe("generated");
    expect(modeOf(path.join(root, "data", "secret.key"))).toBe("600");
    expect(modeOf(dir.adminTokenPath)).toBe("600");
    expect(modeOf(path.join(root, "data"))).toBe("700");
  });

  it("tightens a key and token file written world-readable by hand", () => {
    writeFileSync(path.join(root, "secret.key"), `${"ab".repeat(32)}\n`);
    writeFileSync(path.join(root, "admin-token"), "tern_handwritten_token_123\n");
    chmodSync(path.join(root, "secret.key"), 0o644);
    chmodSync(path.join(root, "admin-token"), 0o644);
    const dir = prepareDataDir(root, {});
    expect(dir.secretKey).toBe("ab".repeat(32));
    expect(modeOf(path.join(root, "secret.key"))).toBe("600");
    expect(modeOf(path.join(root, "admin-token"))).toBe("600");
  });

  it("tightens key or token files that environment variables now override", () => {
    writeFileSync(path.join(root, "secret.key"), `${"ab".repeat(32)}\n`);
    writeFileSync(path.join(root, "admin-token"), "tern_old_token_still_in_a_file\n");
    chmodSync(path.join(root, "secret.key"), 0o644);
    chmodSync(path.join(root, "admin-token"), 0o644);
    const dir = prepareDataDir(root, { secretKey: "cd".repeat(32), adminToken: "tern_from_the_environment" });
    expect([dir.secretKeySource, dir.adminTokenSource]).toEqual(["env", "env"]);
    expect(modeOf(path.join(root, "secret.key"))).toBe("600");
    expect(modeOf(path.join(root, "admin-token"))).toBe("600");
  });

  it("starts with a key file it cannot make owner-only (mounted read-only), and says it is readable by others", () => {
    const keyFile = path.join(root, "secret.key");
    writeFileSync(keyFile, `${"ab".repeat(32)}\n`);
    chmodSync(keyFile, 0o644);
    if (!freezeMode(keyFile)) return; // not root, or no chattr here: nothing to freeze the mode with
    try {
      const dir = prepareDataDir(root, {});
      expect(dir.secretKey).toBe("ab".repeat(32));
      expect(dir.warnings).toHaveLength(1);
      expect(dir.warnings[0]).toContain(
        `${keyFile} is readable by others (mode 0644) and could not be made owner-only`,
      );
    } finally {
      unfreeze(keyFile);
    }
  });

  it("warns about nothing when the files are owner-only", () => {
    expect(prepareDataDir(root, {}).warnings).toEqual([]);
    expect(prepareDataDir(root, {}).warnings).toEqual([]);
  });

  it("leaves no empty key file when the disk fills during the first start, and starts once there is room", () => {
    // A two-page tmpfs (the key and the token), filled: root only (mount), skipped where that cannot be had.
    const disk = path.join(root, "disk");
    try {
      execFileSync("mkdir", ["-p", disk]);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=8k", "tmpfs", disk], { stdio: "ignore" });
    } catch {
      return;
    }
    try {
      const filler = path.join(disk, "filler");
      try {
        writeFileSync(filler, Buffer.alloc(64 * 1024));
      } catch {
        // full now, as meant
      }
      expect(() => prepareDataDir(disk, {})).toThrow(/ENOSPC/);
      expect(readdirSync(disk).sort()).toEqual(["filler"]);
      rmSync(filler);
      const dir = prepareDataDir(disk, {});
      expect(dir.secretKeySource).toBe("generated");
      expect(dir.secretKey).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      execFileSync("umount", [disk], { stdio: "ignore" });
    }
  });
});
