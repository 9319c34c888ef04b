import type { Executor } from "../db.js";

/** The migrations applied to this database (store/migrations.ts), for `tern migrate`'s report. */
export function createSchemaRepo(exec: Executor) {
  const { q } = exec;
  return {
    async applied(): Promise<Array<{ version: number; name: string; appliedAt: number }>> {
      const rows = await exec.all(
        q.selectFrom("schema_migrations").select(["version", "name", "applied_at"]).orderBy("version"),
      );
      return rows.map((r) => ({ version: Number(r.version), name: r.name, appliedAt: Number(r.applied_at) }));
    },
  };
}
