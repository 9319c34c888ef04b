import { statSync } from "node:fs";

/**
 * Whether the SQLite file Tern has open is still the one at its path. Deleted, moved or replaced
 * (`rm -rf` of the data directory, a restore that moved another file over it, a volume swapped),
 * SQLite keeps reading and writing the open file, which no longer has a name (in WAL mode it
 * does not check, as it does with a rollback journal: SQLITE_READONLY_DBMOVED). Every webhook
 * would then be acknowledged into a file that the next start never sees. Checked before each
 * commit (one stat per group commit) and by /readyz: the error is a storage failure (its code
 * says read-only), so deliveries get 503 and the provider keeps them until the file is back.
 */
export function createFileCheck(file: string): () => void {
  if (file === "" || file === ":memory:") return () => {};
  const opened = statSync(file);
  return () => {
    const now = statSync(file, { throwIfNoEntry: false });
    if (now && now.ino === opened.ino && now.dev === opened.dev) return;
    throw Object.assign(
      new Error(
        `The database file ${file} was deleted, moved or replaced while Tern had it open: nothing is written until it is back (move it back, or restore it from your backup and restart Tern)`,
      ),
      { code: "SQLITE_READONLY_DBMOVED" },
    );
  };
}
