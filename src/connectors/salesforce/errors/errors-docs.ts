import { httpStatusOf } from "../../../core/app-error.js";
import "./error-codes.js";
import { ERROR_TABLE, type ErrorMatch, type ErrorRow, type RunBehaviour } from "./errors-table.js";

/**
 * Renders the errors table (errors-table.ts) as Markdown for docs/salesforce-errors.md and the
 * connector README. `errors-docs.test.ts` fails when a document's table differs from this output
 * (run it with UPDATE_DOCS=1 to rewrite them).
 */
export const TABLE_START =
  "<!-- salesforce-errors-table:start (generated from src/connectors/salesforce/errors/errors-table.ts) -->";
export const TABLE_END = "<!-- salesforce-errors-table:end -->";

const RUN_TEXT: Record<RunBehaviour, string> = {
  retry: "retry with back-off (3 attempts), then the step fails → `onError`",
  pause_connection: "pause the connection with back-off; the run waits at the step and completes later",
  fail_step: "the step fails → `onError` (or the run fails)",
  reconnect: 'connection marked "reconnect required"; the step fails → `onError`',
  auth_failed: 'connection marked "sign-in refused" (`auth_failed`); the step fails → `onError`',
  sign_in_page: "no run: Connect's sign-in page says it; nothing changes",
};

/** What Tern answers: a connection's Test (admin API) with the row's code; Connect's page a 400. */
export function ternStatus(row: ErrorRow): number {
  return row.run === "sign_in_page" ? 400 : httpStatusOf(row.code);
}

/** How the docs name the answer a row matches. */
export function answerText(match: ErrorMatch): string {
  switch (match.kind) {
    case "rest":
      return `\`${match.errorCode}\`${match.message ? ` (message ${match.message.source.replace(/\\/g, "")})` : ""}`;
    case "token": {
      const grants = match.grants ? ` (${match.grants.map((g) => `\`${g}\``).join(", ")})` : "";
      return `token${grants}: \`${match.error}\`${match.description ? ` — \`${match.description.source.replace(/[\\^$]/g, "")}\`` : " (other descriptions)"}`;
    }
    case "status":
      return match.status === "5xx" ? "HTTP 5xx without an error code" : `HTTP ${match.status}`;
    case "html":
      return "an HTML page instead of JSON (wrong host)";
    case "network":
      return "timeout, refused or cut connection";
  }
}

/** The sentence as a person sees it for the documented example answer. */
export function exampleSentence(row: ErrorRow): string {
  const body = row.example.body;
  const first = Array.isArray(body) ? (body[0] as { message?: string; fields?: string[] }) : undefined;
  const tokenBody = !Array.isArray(body) && typeof body === "object" && body !== null ? body : undefined;
  const message =
    first?.message ??
    String((tokenBody as { error_description?: unknown } | undefined)?.error_description ?? "");
  return row.say({
    message: row.match.kind === "html" || row.match.kind === "network" ? "" : message,
    fields: first?.fields ?? [],
    object: "Lead",
  });
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderErrorsTable(): string {
  const lines = [
    "| Salesforce answer | HTTP | Tern code | Tern answers | Transient | What the run does | What a person sees (example) |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of ERROR_TABLE) {
    const status = row.example.status === 0 ? "—" : String(row.example.status);
    lines.push(
      `| ${cell(answerText(row.match))} | ${status} | \`${row.code}\` | ${ternStatus(row)} | ${row.isTransient ? "yes" : "no"} | ${cell(RUN_TEXT[row.run])} | ${cell(exampleSentence(row))} |`,
    );
  }
  return [TABLE_START, ...lines, TABLE_END].join("\n");
}
