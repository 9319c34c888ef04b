import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * Checks answers against the OpenAPI document a server serves (/api/docs/json): each status is
 * one the operation documents (exactly, or as 4XX/5XX), its body validates against the documented
 * schema, its content type is the documented one, a 204 has no body, and every error is the one
 * shape `{ error: { code, message, details? } }`. A client generated from the document must be
 * able to read every answer the server gives. (ajv is Fastify's own validator.)
 */

// ajv-formats is CommonJS: under NodeNext its default import is the module, whose default is the plugin.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default;

type Json = Record<string, unknown>;
interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema?: Json }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, Response>; requestBody?: Json }>>;
  components?: { schemas?: Record<string, Json>; responses?: Record<string, Response> };
}

export interface Exchange {
  method: string;
  /** The path with its query, as sent. */
  url: string;
  status: number;
  contentType: string;
  text: string;
}

/** One operation of the document: `METHOD /path/{param}`. */
export type OperationKey = string;

export function createConformance(doc: OpenApiDocument) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    literal: template.replace(/\{[^}]+\}/g, "").length,
  }));
  // A literal segment wins over a parameter (`/runs/end` before `/runs/{id}`), as in the router.
  templates.sort((a, b) => b.literal - a.literal);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

  /** The operation a request lands on, by its path (without the query) and method. */
  const operationOf = (method: string, url: string): OperationKey | null => {
    const path = url.split("?")[0] ?? "";
    const found = templates.find(
      (t) => t.pattern.test(path) && doc.paths[t.template]?.[method.toLowerCase()],
    );
    return found ? `${method.toUpperCase()} ${found.template}` : null;
  };

  const resolve = (r: Response | undefined): Response | undefined =>
    r?.$ref ? doc.components?.responses?.[r.$ref.replace("#/components/responses/", "")] : r;

  const validatorFor = (key: string, schema: Json) => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(asJsonSchema(schema, doc.components?.schemas ?? {}) as Json);
      compiled.set(key, validate);
    }
    return validate;
  };

  /** What is wrong with an answer, as sentences (none: it conforms). */
  const problemsOf = (exchange: Exchange): string[] => {
    const { method, url, status, contentType, text } = exchange;
    const key = operationOf(method, url);
    if (!key) return [`${method} ${url}: no operation of the document has this path and method`];
    const [m, template] = key.split(" ") as [string, string];
    const responses = doc.paths[template]?.[m.toLowerCase()]?.responses ?? {};
    const documented = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    const response = resolve(documented);
    const where = `${key} (${url}) answered ${status}`;
    if (!response) return [`${where}, which it does not document (${Object.keys(responses).join(", ")})`];
    const problems: string[] = [];
    const json = response.content?.["application/json"];
    if (status === 204 || !response.content) {
      if (text !== "") problems.push(`${where} with a body, documented without one: ${text.slice(0, 200)}`);
      return problems;
    }
    if (json && !/^application\/json\b/i.test(contentType)) {
      problems.push(`${where} as ${contentType || "no content type"}, documented as application/json`);
      return problems;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [...problems, `${where} with a body that is not JSON: ${text.slice(0, 200)}`];
    }
    if (json?.schema) {
      const validate = validatorFor(`${key} ${status}`, json.schema);
      if (!validate(body)) {
        problems.push(
          `${where} with a body the documented schema refuses: ${ajv.errorsText(validate.errors)}; body: ${text.slice(0, 300)}`,
        );
      }
    }
    if (status >= 400) problems.push(...errorShapeProblems(where, body));
    return problems;
  };

  return { operationOf, problemsOf };
}

/** The one error shape, exactly: `{ error: { code: "UPPER_SNAKE", message, details?: {} } }`. */
function errorShapeProblems(where: string, body: unknown): string[] {
  const shown = JSON.stringify(body).slice(0, 300);
  const error = (body as { error?: Json } | null)?.error;
  if (!body || typeof body !== "object" || Object.keys(body).join() !== "error" || !error) {
    return [`${where}: the error body is not { error: {...} } alone: ${shown}`];
  }
  const problems: string[] = [];
  if (typeof error.code !== "string" || !/^[A-Z][A-Z0-9_]*$/.test(error.code))
    problems.push(`${where}: error.code is not an UPPER_SNAKE string: ${shown}`);
  if (typeof error.message !== "string" || error.message.trim() === "")
    problems.push(`${where}: error.message is not a sentence: ${shown}`);
  const extra = Object.keys(error).filter((k) => !["code", "message", "details"].includes(k));
  if (extra.length > 0)
    problems.push(`${where}: error has keys beyond code, message, details (${extra}): ${shown}`);
  if (error.details !== undefined && (typeof error.details !== "object" || error.details === null))
    problems.push(`${where}: error.details is not an object: ${shown}`);
  return problems;
}

/**
 * An OpenAPI 3.0 schema as JSON Schema for ajv: component references inlined, and draft-4's
 * boolean `exclusiveMinimum`/`exclusiveMaximum` as the numbers later drafts take.
 */
function asJsonSchema(schema: unknown, components: Record<string, Json>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => asJsonSchema(s, components));
  if (!schema || typeof schema !== "object") return schema;
  const s = schema as Json;
  if (typeof s.$ref === "string") {
    const name = s.$ref.replace("#/components/schemas/", "");
    return asJsonSchema(components[name], components);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s))
    out[k] = k === "properties" ? mapValues(v, components) : asJsonSchema(v, components);
  for (const [flag, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof out[flag] === "boolean") {
      if (out[flag]) out[flag] = out[bound];
      else delete out[flag];
      if (out[flag] !== undefined) delete out[bound];
    }
  }
  return out;
}

function mapValues(properties: unknown, components: Record<string, Json>): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries((properties ?? {}) as Json)) out[k] = asJsonSchema(v, components);
  return out;
}
