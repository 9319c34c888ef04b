import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderErrorsTable, TABLE_END, TABLE_START } from "./errors-docs.js";
import { ERROR_TABLE } from "./errors-table.js";

/** The documents that carry the generated table. `UPDATE_DOCS=1` rewrites them. */
const DOCUMENTS = ["../../../../docs/salesforce-errors.md", "../README.md"].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

function tableIn(text: string): string {
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error("table markers missing");
  return text.slice(start, end + TABLE_END.length);
}

/** The formatter pads table cells (Biome formats the README): compare cells, not spaces. */
const cells = (table: string) => table.replace(/[ \t]*\|[ \t]*/g, "|").replace(/\|-{3,}(?=\|)/g, "|---");

describe("salesforce errors documentation", () => {
  it.each(DOCUMENTS)("%s shows exactly the table the code maps with", (path) => {
    const text = readFileSync(path, "utf8");
    const table = tableIn(text);
    if (process.env.UPDATE_DOCS === "1" && cells(table) !== cells(renderErrorsTable()))
      writeFileSync(path, text.replace(table, renderErrorsTable()));
    else expect(cells(table)).toBe(cells(renderErrorsTable()));
  });

  it("documents every error the issue lists", () => {
    const table = renderErrorsTable();
    for (const name of [
      "INVALID_SESSION_ID",
      "API_DISABLED_FOR_ORG",
      "REQUEST_LIMIT_EXCEEDED",
      "ConcurrentPerOrgLongTxn",
      "REQUIRED_FIELD_MISSING",
      "INVALID_FIELD",
      "INVALID_FIELD_FOR_INSERT_UPDATE",
      "STRING_TOO_LONG",
      "INVALID_EMAIL_ADDRESS",
      "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
      "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      "DUPLICATES_DETECTED",
      "UNABLE_TO_LOCK_ROW",
      "SERVER_UNAVAILABLE",
      "INSUFFICIENT_ACCESS",
      "MALFORMED_QUERY",
      "INVALID_TYPE",
      "NOT_FOUND",
      "ENTITY_IS_DELETED",
      "MALFORMED_ID",
      "INVALID_CROSS_REFERENCE_KEY",
      "DUPLICATE_VALUE",
      "JSON_PARSER_ERROR",
      "HTTP 410",
      "HTML page",
      "timeout",
      "expired access/refresh token",
      "authentication failure",
      "inactive user",
      "user hasn't approved this consumer",
      "audience is invalid",
      "request not supported on this domain",
      "invalid code verifier",
      "token request is already being processed",
      "invalid_client_id",
      "invalid_client`",
    ])
      expect(table, name).toContain(name);
    expect(
      new Set(
        ERROR_TABLE.map((r) => JSON.stringify(r.match, (_k, v) => (v instanceof RegExp ? v.source : v))),
      ).size,
    ).toBe(ERROR_TABLE.length);
  });
});
