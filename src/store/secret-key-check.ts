import { rmSync } from "node:fs";
import type { DataDir } from "../core/data-dir.js";
import type { Store } from "./store.js";

/**
 * Refuses to run with a key that does not open the database's secrets: a TERN_SECRET_KEY that
 * is not the one they were sealed with, another machine's key file, or a key file that went
 * missing (a new one was generated in its place). Started anyway, Tern answered 500 for every
 * channel and webhook, and `/readyz` said "ready"; a lost key file was replaced for good.
 */
export async function assertSecretKeyOpens(store: Store, dataDir: DataDir): Promise<void> {
  const found =
    (await unopenable(store, "channels", "channel")) ??
    (await unopenable(store, "connections", "connection"));
  if (!found) return;
  const keyFile = dataDir.secretKeyPath;
  const what = `the secrets of ${found}`;
  const restore = "Restore the key they were sealed with (from your backup); a new key cannot open them.";
  switch (dataDir.secretKeySource) {
    case "generated":
      // Not kept: the next start would take it for the key and never look for the real one.
      rmSync(keyFile, { force: true });
      throw new Error(
        `${keyFile} is missing, and the database holds ${what} sealed with it. ${restore} ` +
          "Put the key file back, or set TERN_SECRET_KEY to that key.",
      );
    case "file":
      throw new Error(`The key in ${keyFile} does not open ${what}. ${restore}`);
    case "env":
      throw new Error(`TERN_SECRET_KEY does not open ${what}. ${restore}`);
  }
}

async function unopenable(
  store: Store,
  table: "channels" | "connections",
  kind: string,
): Promise<string | null> {
  const name = await store[table].oldestUnopenable();
  return name === null ? null : `${kind} "${name}"`;
}
