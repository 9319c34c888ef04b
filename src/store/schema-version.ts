/**
 * Refusing a database migrated by a newer Tern. Both migrators call `checkSchemaVersion` before
 * applying anything: running old code on a newer schema would write rows the newer code does not
 * expect (or fail half-way through a migration it cannot know), so it stops with a message that
 * says what to do instead.
 */
export class SchemaTooNewError extends Error {
  readonly code = "SCHEMA_TOO_NEW";
  constructor(
    readonly databaseVersion: number,
    readonly knownVersion: number,
    /** Applied versions this code does not know. */
    readonly unknownVersions: readonly number[],
  ) {
    super(
      databaseVersion > knownVersion
        ? `database schema is at version ${databaseVersion}, this Tern knows up to ${knownVersion}: ` +
            "upgrade Tern, or point it at another database (to go back to this version after an " +
            "upgrade, restore the backup taken before it: docs/deployment.md)"
        : `database schema has migration ${unknownVersions.join(", ")}, which this Tern (up to version ` +
            `${knownVersion}) does not know: it was migrated by another build of Tern; use that build, ` +
            "or point this one at another database",
    );
    this.name = "SchemaTooNewError";
  }
}

/**
 * Throws `SchemaTooNewError` when `applied` holds a version that is not in `known`. Pure: the
 * migrators read the applied versions and pass them in.
 */
export function checkSchemaVersion(applied: readonly number[], known: readonly number[]): void {
  const knownSet = new Set(known);
  const unknown = applied.filter((v) => !knownSet.has(v)).sort((a, b) => a - b);
  if (unknown.length === 0) return;
  throw new SchemaTooNewError(Math.max(...applied), Math.max(0, ...known), unknown);
}
