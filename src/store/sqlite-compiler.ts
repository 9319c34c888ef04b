import { type LimitNode, type OperationNode, SqliteQueryCompiler } from "kysely";

/** A count Kysely holds as a plain value (not a named argument of `statement()`). */
const literalCount = (node: OperationNode): number | undefined => {
  if (node.kind !== "ValueNode") return undefined;
  const { value, immediate } = node as OperationNode & { value: unknown; immediate?: boolean };
  return !immediate && Number.isSafeInteger(value) ? (value as number) : undefined;
};

/**
 * Kysely's SQLite compiler, with a LIMIT that is a number written into the SQL. SQLite (3.47 and
 * later; better-sqlite3 12 ships 3.53) reads a bound LIMIT's value while planning and marks the
 * statement to be prepared again whenever that parameter is bound anew, and better-sqlite3 binds
 * every parameter on every call: each execution of a `limit ?` statement was a fresh prepare
 * (10–37 µs more than `limit 1` per call here; the hot path's contact-by-phone read took 62 µs at
 * p50 instead of about 6). A bound OFFSET is only evaluated, never planned with, and stays bound,
 * so paging through a list does not make a statement per page. PostgreSQL plans a bound LIMIT
 * without that cost.
 */
export class SqliteLiteralLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    const n = literalCount(node.limit);
    if (n === undefined) super.visitLimit(node);
    else this.append(`limit ${n}`);
  }
}
