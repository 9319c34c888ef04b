import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../config.js";
import { rotateSecretKey } from "../store/key-rotation.js";

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("Manage the key that encrypts secrets at rest");
  keys
    .command("rotate")
    .description(
      "Re-encrypt every stored secret (connection and channel secrets, Salesforce tokens) under a new key. " +
        "Stop Tern first: a running Tern keeps using the old key.",
    )
    .option("--key <key>", "the new key, 32 bytes as 64 hex characters or base64 (default: a new random key)")
    .addHelpText(
      "after",
      [
        "",
        "With the key in TERN_DATA_DIR/secret.key, the file is replaced (crash-safe: secret.key.new is",
        "written first and renamed after the database commits). With TERN_SECRET_KEY set, no file is",
        "written: the new key is printed, and TERN_SECRET_KEY must be set to it before Tern starts.",
        "",
      ].join("\n"),
    )
    .action((opts: { key?: string }) => {
      const config = loadConfig();
      if (config.DATABASE_URL) {
        // The rotation rewrites the SQLite file offline; on PostgreSQL every process shares the key.
        throw new Error(
          "tern keys rotate works on the embedded SQLite store only; with DATABASE_URL it is not supported yet (nothing was changed)",
        );
      }
      rotateSecretKey({
        root: path.resolve(config.TERN_DATA_DIR),
        envKey: config.TERN_SECRET_KEY,
        newKey: opts.key,
        print: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
