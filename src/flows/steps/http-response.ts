import { z } from "zod";
import { SECRET_HEADER_NAME } from "../../core/guarded-http.js";
import { findTooDeep, MAX_JSON_DEPTH } from "../../core/json-depth.js";
import { resolvePath } from "../conditions.js";
import type { HttpAnswer, HttpRequestSpec } from "../runtime.js";
import type { TemplateScope } from "../template.js";

/** What the `http` step does with an answer and a body: parse, pick fields, hide secrets. */

const SEGMENT = "(?:\\.[A-Za-z0-9_-]+|\\[\\d+\\])";
const RESPONSE_PATH = new RegExp(`^(status|headers|body)${SEGMENT}*$`);

export const ResponsePath = z.string().max(500).regex(RESPONSE_PATH, {
  error: "a path into the answer: status, headers.<name> or body, e.g. body.items[0].id",
});

/**
 * JSON when the answer says so (or looks like it), else the text. JSON nested deeper than a flow
 * file may be is kept as its text too: the run's state could not hold it (core/json-depth.ts).
 */
export function readBody(answer: HttpAnswer): unknown {
  const type = answer.headers["content-type"] ?? "";
  const text = answer.body;
  if (/\bjson\b/i.test(type) || (!type && /^\s*[[{]/.test(text))) {
    try {
      const parsed = JSON.parse(text) as unknown;
      return findTooDeep(parsed, MAX_JSON_DEPTH) === null ? parsed : text;
    } catch {
      return text;
    }
  }
  return text;
}

/** `body.items[0].id` → the value in `{ status, headers, body }` (own properties only), or null. */
export function pickPath(root: Record<string, unknown>, path: string): unknown {
  let current: unknown = root;
  // Header names are case-insensitive and the answer's are lower case: headers.X-Request-Id
  // (as the API's documentation writes it) must not map to null.
  const inHeaders = path.startsWith("headers.");
  let depth = 0;
  for (const [, key, index] of path.matchAll(/([A-Za-z0-9_-]+)|\[(\d+)\]/g)) {
    if (current === null || typeof current !== "object") return null;
    const part = index ?? (inHeaders && depth === 1 ? (key as string).toLowerCase() : (key as string));
    depth += 1;
    if (Array.isArray(current)) current = index === undefined ? undefined : current[Number(part)];
    else current = Object.hasOwn(current, part) ? (current as Record<string, unknown>)[part] : undefined;
  }
  return current === undefined ? null : current;
}

export function mapResponse(
  map: Record<string, string> | undefined,
  output: Record<string, unknown>,
): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(map ?? {})) vars[name] = pickPath(output, path);
  return vars;
}

/** A request as run history shows it: a secret a flow put in a header is not repeated there. */
export function shownRequest(request: HttpRequestSpec): Record<string, unknown> {
  return { ...request, headers: redactHeaders(request.headers ?? {}), body: request.body?.slice(0, 10_000) };
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      SECRET_HEADER_NAME.test(name) ? "[redacted]" : value,
    ]),
  );
}

/** A JSON body: strings render as text, except "{{ vars.x }}" alone, which keeps the value's type. */
export function renderJsonBody(
  value: unknown,
  scope: TemplateScope,
  renderValue: (value: unknown) => unknown,
): unknown {
  if (typeof value === "string") {
    const bare = /^\{\{\s*((?:vars|contact|message|steps|run)(?:\.[A-Za-z0-9_]+|\[\d+\])*)\s*\}\}$/.exec(
      value,
    );
    if (bare) return resolvePath(scope, bare[1] as string) ?? null;
    return renderValue(value);
  }
  if (Array.isArray(value)) return value.map((item) => renderJsonBody(item, scope, renderValue));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renderJsonBody(item, scope, renderValue);
    return out;
  }
  return value;
}
