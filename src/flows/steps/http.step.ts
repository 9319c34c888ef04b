import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { hasScheme, unjoinableProblem } from "../../core/base-url-join.js";
import { parseDurationMs } from "../duration.js";
import { Duration, StepId, stepBase, Template, VarName } from "../fields.js";
import type { HttpAnswer, HttpRequestSpec } from "../runtime.js";
import { defineStep } from "../step.js";
import { isTemplate } from "../template.js";
import { mapResponse, ResponsePath, readBody, renderJsonBody, shownRequest } from "./http-response.js";

const MAX_TIMEOUT_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, {
  error: "a header name is letters, digits and - (e.g. Accept or X-Request-Id)",
});

export const HttpStep = z
  .strictObject({
    ...stepBase,
    type: z.literal("http"),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
    url: Template.min(1, { error: "give the URL to call" }).describe(
      "Liquid template; absolute, or with a connection a path under its baseUrl (/orders/42 → <baseUrl>/orders/42). Escape a path segment with | path_segment, a query value with | url_encode",
    ),
    headers: z.record(HeaderName, Template).optional().describe("Request headers (Liquid templates)"),
    json: z
      .unknown()
      .optional()
      .describe(
        'JSON body: strings are Liquid templates; a string that is only "{{ vars.x }}" keeps its type',
      ),
    form: z
      .record(z.string().min(1).max(200), Template)
      .optional()
      .describe("Form body (application/x-www-form-urlencoded): Liquid templates"),
    connection: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('A connection of type "http" whose credentials authenticate the request'),
    timeout: Duration.optional().describe("Time limit of each attempt, at most PT1M; default PT10S"),
    retries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(2)
      .describe("Further attempts on network errors, timeouts, 429 and 5xx (never on other 4xx)"),
    save: VarName.optional().describe("Variable that receives { status, headers, body }"),
    map: z
      .record(VarName, ResponsePath)
      .optional()
      .describe('Variables from the answer by path, e.g. { "orderStatus": "body.order.status" }'),
    next: StepId.optional(),
  })
  .superRefine((step, ctx) => {
    if (step.json !== undefined && step.form !== undefined)
      ctx.addIssue({ code: "custom", path: ["form"], message: "give either json or form, not both" });
    if ((step.method === "GET" || step.method === "HEAD") && (step.json !== undefined || step.form))
      ctx.addIssue({ code: "custom", path: ["method"], message: `a ${step.method} request has no body` });
    const urlProblem = isTemplate(step.url) ? null : literalUrlProblem(step.url.trim(), step.connection);
    if (urlProblem) ctx.addIssue({ code: "custom", path: ["url"], message: urlProblem });
    const timeoutMs = step.timeout ? parseDurationMs(step.timeout) : null;
    if (timeoutMs !== null && timeoutMs > MAX_TIMEOUT_MS)
      ctx.addIssue({ code: "custom", path: ["timeout"], message: "the timeout is at most PT1M" });
  })
  .describe("Calls an HTTP API and maps its answer into variables");
export type HttpStep = z.infer<typeof HttpStep>;

export const httpStep = defineStep({
  type: "http",
  title: "HTTP request",
  version: 1,
  config: HttpStep,
  /**
   * With a connection: a URL whose origin is written out must be the connection's; one written
   * out in full must be under its baseUrl (a path such as /v2/x beside a /v1 base never runs).
   */
  async check(config, env) {
    if (!config.connection) return [];
    const origin = /^(https?:\/\/[^/{}?#]+)[/?#]/i.exec(config.url.split(/\{[{%]/)[0] ?? "")?.[1];
    if (!origin) return [];
    const input = isTemplate(config.url) ? { origin } : { origin, url: config.url.trim() };
    const answer = (await env.fact(config.connection, "http.origin", input)) as {
      allowed: boolean;
      baseUrl: string;
    };
    if (answer.allowed) return [];
    return [
      {
        level: "error",
        path: ["url"],
        message: `connection "${config.connection}" sends its credentials only to URLs under ${answer.baseUrl}; use a URL there, or a path under it such as /orders/42`,
      },
    ];
  },
  async start(ctx) {
    const { config } = ctx;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers ?? {})) {
      headers[name.toLowerCase()] = ctx.render(value);
    }
    let body: string | undefined;
    if (config.json !== undefined) {
      body = JSON.stringify(renderJsonBody(config.json, ctx.scope, ctx.renderValue));
      headers["content-type"] ??= "application/json";
    } else if (config.form) {
      const form = new URLSearchParams();
      for (const [name, value] of Object.entries(config.form)) form.append(name, ctx.render(value));
      body = form.toString();
      headers["content-type"] ??= "application/x-www-form-urlencoded";
    }
    const request: HttpRequestSpec = {
      method: config.method,
      url: ctx.render(config.url).trim(),
      headers,
      ...(body !== undefined && { body }),
      ...(config.connection && { connection: config.connection }),
      timeoutMs: config.timeout
        ? (parseDurationMs(config.timeout) ?? DEFAULT_TIMEOUT_MS)
        : DEFAULT_TIMEOUT_MS,
      retries: config.retries,
    };
    const input = shownRequest(request);
    const answer = await ctx.effects.http(request);
    const output = { status: answer.status, headers: answer.headers, body: readBody(answer) };
    if (answer.status < 200 || answer.status > 299) throw statusError(request, answer, output.body);
    const vars = { ...(config.save && { [config.save]: output }), ...mapResponse(config.map, output) };
    return { kind: "next", next: config.next ?? null, input, output, vars };
  },
});

/**
 * A URL written out (no template) that no request could use fails every run at this step: say so
 * now. Without a connection it must be an absolute http(s) URL; with one it may be a path under
 * the connection's baseUrl (`/orders/42`, `orders/42`), never one that leaves it.
 */
function literalUrlProblem(url: string, connection: string | undefined): string | null {
  const shown = JSON.stringify(url.slice(0, 200));
  const example = connection
    ? "/orders/42 (under the connection's baseUrl) or https://…"
    : "https://api.example.com/orders";
  if (/\s/.test(url)) return `${shown} is not a URL (it has spaces; encode them as %20), e.g. ${example}`;
  if (connection && !hasScheme(url)) return unjoinableProblem(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return connection
      ? `${shown} is not a URL, e.g. ${example}`
      : `${shown} is not an absolute URL, e.g. ${example} (a relative URL needs a connection with a baseUrl)`;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    return `${shown} is not an http(s) URL, e.g. ${example}`;
  return null;
}

function statusError(request: HttpRequestSpec, answer: HttpAnswer, body: unknown): AppError {
  let host = "the server";
  try {
    host = new URL(answer.url).host;
  } catch {}
  return new AppError("HTTP_STATUS", `${request.method} ${host} answered ${answer.status}`, {
    flowFields: { status: answer.status, body },
  });
}
