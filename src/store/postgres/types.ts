import type { CustomTypesConfig } from "pg";
import pg from "pg";

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Type parsers for one pool: int8 (`count(*)`, BIGINT times and ids) and numeric (`sum` of a
 * BIGINT) become JS numbers, as SQLite returns them. Times are ms since epoch and ids count
 * rows, both far below 2^53. Per pool, not `pg.types.setTypeParser`: that would change every
 * user of the `pg` module in the process, graphile-worker included (it reads int8 job ids as
 * strings).
 */
export const numberTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if ((format ?? "text") === "text" && (oid === INT8 || oid === NUMERIC)) return parseNumber;
    return pg.types.getTypeParser(oid, format as "text");
  }) as CustomTypesConfig["getTypeParser"],
};

function parseNumber(value: string): number {
  return Number(value);
}
