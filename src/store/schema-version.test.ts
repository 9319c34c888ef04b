import { describe, expect, it } from "vitest";
import { migrations } from "./migrations.js";
import { checkSchemaVersion, SchemaTooNewError } from "./schema-version.js";

describe("checkSchemaVersion", () => {
  const known = [1, 2, 3, 4, 5];

  it("accepts a database at, or behind, the versions this code knows", () => {
    expect(() => checkSchemaVersion([], known)).not.toThrow();
    expect(() => checkSchemaVersion([1, 2, 3], known)).not.toThrow();
    expect(() => checkSchemaVersion(known, known)).not.toThrow();
  });

  it("refuses a database with a version this code does not know, saying what to do", () => {
    let thrown: unknown;
    try {
      checkSchemaVersion([1, 2, 3, 4, 5, 6, 7], known);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SchemaTooNewError);
    expect(thrown).toMatchObject({
      code: "SCHEMA_TOO_NEW",
      databaseVersion: 7,
      knownVersion: 5,
      message:
        "database schema is at version 7, this Tern knows up to 5: upgrade Tern, or point it at another " +
        "database (to go back to this version after an upgrade, restore the backup taken before it: " +
        "docs/deployment.md)",
    });
  });

  it("refuses an unknown version below the newest known one too (another build migrated it)", () => {
    expect(() => checkSchemaVersion([1, 2, 4], [1, 2, 3, 5])).toThrow(
      "database schema has migration 4, which this Tern (up to version 5) does not know",
    );
  });

  it("knows every shipped migration, numbered 1..n without gaps", () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(() =>
      checkSchemaVersion(
        migrations.map((m) => m.version),
        migrations.map((m) => m.version),
      ),
    ).not.toThrow();
  });
});
