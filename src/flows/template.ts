import {
  Context,
  type FilterImplOptions,
  Liquid,
  type Template as LiquidTemplate,
  toValueSync,
} from "liquidjs";
import { AppError } from "../core/app-error.js";
import type { ContactView, MessageView } from "./runtime.js";
import { dateFilterInput, dateZoneProblem } from "./template-dates.js";
import {
  CappedCaptureTag,
  createCappedEmitter,
  createRenderBudget,
  type RenderBudget,
  sliceLength,
  TEMPLATE_LIMITS,
} from "./template-limits.js";

/**
 * Liquid templating for flow text. Plain text out (no HTML escaping: messages are not HTML),
 * unknown filters are errors, and nothing can read files: include/render/layout are refused.
 * Every render is bounded in time, allocation and output (see template-limits.ts).
 * https://liquidjs.com/tutorials/options.html
 */

/**
 * The run's clock, read by the date filters for "now" and "today". A symbol, so no template can
 * name it; absent (a render outside a run), the date filters read the system clock.
 */
export const RENDER_NOW = Symbol("renderNow");

/** What a template can see. */
export interface TemplateScope {
  vars: Record<string, unknown>;
  contact: ContactView;
  message: MessageView | null;
  steps: Record<string, unknown>;
  conversation: { readonly transcript: string };
  run: { id: string };
  readonly [RENDER_NOW]?: number;
}

/** Roots a path or template may start with. */
export const SCOPE_ROOTS = ["vars", "contact", "message", "steps", "conversation", "run"] as const;

const liquid = new Liquid({
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  // An empty in-memory file map: templates can never reach the file system.
  templates: {},
  // Given, so that liquidjs does not ask Intl.DateTimeFormat for the system's locale at start:
  // that loads ICU's locale and time-zone data, 6.5 MB of RSS before any template is rendered.
  locale: "en-US",
  // Dates are written in UTC unless the filter names a zone (`date: "%H:%M", "Europe/Berlin"`):
  // liquidjs's default, the server's own zone, rendered one flow differently on a laptop set to
  // Berlin and a UTC container, and `tern flows test` expectations with it.
  timezoneOffset: 0,
  // Guards against pathological templates; renders pass a tighter shared budget of their own.
  parseLimit: TEMPLATE_LIMITS.sourceChars,
  renderLimit: TEMPLATE_LIMITS.renderMs,
  memoryLimit: TEMPLATE_LIMITS.memoryUnits,
  // An object written out whole (`{{ steps.lookup.body }}`) reads as its JSON, not the
  // "[object Object]" a customer would otherwise be sent; other values are written as liquidjs
  // writes them (a list with commas, nil as nothing).
  outputEscape: (value: unknown) => (isPlainObject(value) ? JSON.stringify(value) : (value as string)),
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
liquid.registerTag("capture", CappedCaptureTag);
// A value as one URL path segment (RFC 3986 §3.3). liquidjs's url_encode is form encoding: it writes
// a space as "+", which a path keeps as a plus ("A/7 ü" reached an API as "A/7+ü"); uri_escape
// leaves "/" and "?" as they are.
liquid.registerFilter("path_segment", (value: unknown) =>
  encodeURIComponent(value === null || value === undefined ? "" : String(value)).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  ),
);

// "now" and "today" are the run's clock (host.now(): the simulated one of `tern flows test` and of
// the engine's tests), not the system's: a test case's `now` holds for `{{ "now" | date: "%A" }}`.
const NOW_REGISTER = "tern.now";
type FilterThis = ThisParameterType<Extract<FilterImplOptions, (...args: never[]) => unknown>>;
for (const name of ["date", "date_to_xmlschema", "date_to_rfc822", "date_to_string", "date_to_long_string"]) {
  const builtin = liquid.filters[name];
  if (typeof builtin !== "function") throw new Error(`liquidjs has no ${name} filter`);
  liquid.registerFilter(name, function (this: FilterThis, value: unknown, ...args: unknown[]) {
    const now = this.context.getRegister(NOW_REGISTER) as number | undefined;
    const isNow = now !== undefined && (value === "now" || value === "today");
    return builtin.call(this, isNow ? new Date(now) : dateFilterInput(value), ...args);
  });
}

// slice charges the budget its output, not the length asked for (template-limits.ts).
const builtinSlice = liquid.filters.slice;
if (typeof builtinSlice !== "function") throw new Error("liquidjs has no slice filter");
liquid.registerFilter(
  "slice",
  function (this: FilterThis, value: unknown, begin?: unknown, length?: unknown) {
    return builtinSlice.call(this, value, begin, sliceLength(value, begin, length));
  },
);

for (const tag of ["include", "render", "layout", "block"]) {
  liquid.registerTag(tag, {
    parse() {
      throw new Error(`{% ${tag} %} is not supported in flow templates`);
    },
    render() {},
  });
}

const MAX_CACHED = 2_000;
const cache = new Map<string, LiquidTemplate[]>();

function parseCached(source: string): LiquidTemplate[] {
  const hit = cache.get(source);
  if (hit) return hit;
  if (source.length > TEMPLATE_LIMITS.sourceChars) {
    throw new Error(
      `a template is limited to ${TEMPLATE_LIMITS.sourceChars} characters (this one has ${source.length})`,
    );
  }
  const parsed = liquid.parse(source);
  // Simple bound: flows have few distinct templates, so clearing is rare and cheap.
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

/**
 * The names a template reads from its scope, as path segments (`["steps", "lead", "id"]`),
 * without its own locals (`for` and `assign` variables); [] when it does not parse.
 */
export function templateNames(source: string): Array<Array<string | number | unknown>> {
  if (!isTemplate(source)) return [];
  try {
    return liquid.globalVariableSegmentsSync(parseCached(source)) as Array<Array<string | number | unknown>>;
  } catch {
    return [];
  }
}

/** True when a string contains Liquid markup and so needs rendering. */
export function isTemplate(value: string): boolean {
  return value.includes("{{") || value.includes("{%");
}

/**
 * Returns a syntax error message (or a date filter's unknown time zone), or null when the
 * template parses. Never throws.
 */
export function checkTemplate(source: string): string | null {
  if (!isTemplate(source)) return null;
  try {
    parseCached(source);
    return dateZoneProblem(source);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Renders a template to plain text. Throws AppError TEMPLATE_ERROR on syntax or render errors,
 * and when the render exceeds its time, allocation or output limit (`budget` is shared when
 * several templates render as one unit, like the fields of a step).
 */
export function renderTemplate(
  source: string,
  scope: TemplateScope,
  budget: RenderBudget = createRenderBudget(),
): string {
  if (!isTemplate(source)) return source;
  try {
    const templates = parseCached(source);
    const ctx = new Context(scope, liquid.options, { sync: true }, { ...budget, liquid });
    if (scope[RENDER_NOW] !== undefined) ctx.setRegister(NOW_REGISTER, scope[RENDER_NOW]);
    return toValueSync(liquid.renderer.renderTemplates(templates, ctx, createCappedEmitter())) as string;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError("TEMPLATE_ERROR", `Template ${preview(source)} failed: ${reason}`, {
      cause: error,
      details: { template: source.slice(0, 500) },
    });
  }
}

/**
 * Renders every string inside a JSON value (objects and arrays are copied). All of them share
 * one time and allocation budget: a step with a hundred fields is bounded like one template.
 */
export function renderValue(
  value: unknown,
  scope: TemplateScope,
  budget: RenderBudget = createRenderBudget(),
): unknown {
  if (typeof value === "string") return renderTemplate(value, scope, budget);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, scope, budget));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renderValue(item, scope, budget);
    return out;
  }
  return value;
}

function preview(source: string): string {
  const flat = source.replace(/\s+/g, " ");
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 77)}...` : flat);
}
