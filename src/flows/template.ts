import { Liquid, type Template as LiquidTemplate } from "liquidjs";
import { AppError } from "../core/app-error.js";
import type { ContactView, MessageView } from "./runtime.js";

/**
 * Liquid templating for flow text. Plain text out (no HTML escaping: messages are not HTML),
 * unknown filters are errors, and nothing can read files: include/render/layout are refused.
 * https://liquidjs.com/tutorials/options.html
 */

/** What a template can see. */
export interface TemplateScope {
  vars: Record<string, unknown>;
  contact: ContactView;
  message: MessageView | null;
  steps: Record<string, unknown>;
  conversation: { readonly transcript: string };
  run: { id: string };
}

/** Roots a path or template may start with. */
export const SCOPE_ROOTS = ["vars", "contact", "message", "steps", "conversation", "run"] as const;

const liquid = new Liquid({
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  // An empty in-memory file map: templates can never reach the file system.
  templates: {},
  // Guards against pathological templates from flow authors.
  parseLimit: 1_000_000,
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
});

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
  const parsed = liquid.parse(source);
  // Simple bound: flows have few distinct templates, so clearing is rare and cheap.
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

/** True when a string contains Liquid markup and so needs rendering. */
export function isTemplate(value: string): boolean {
  return value.includes("{{") || value.includes("{%");
}

/** Returns a syntax error message, or null when the template parses. Never throws. */
export function checkTemplate(source: string): string | null {
  if (!isTemplate(source)) return null;
  try {
    parseCached(source);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Renders a template to plain text. Throws AppError TEMPLATE_ERROR on syntax or render errors. */
export function renderTemplate(source: string, scope: TemplateScope): string {
  if (!isTemplate(source)) return source;
  try {
    return liquid.renderSync(parseCached(source), scope);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError("TEMPLATE_ERROR", `Template ${preview(source)} failed: ${reason}`, {
      cause: error,
      details: { template: source.slice(0, 500) },
    });
  }
}

/** Renders every string inside a JSON value (objects and arrays are copied). */
export function renderValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === "string") return renderTemplate(value, scope);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, scope));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renderValue(item, scope);
    return out;
  }
  return value;
}

function preview(source: string): string {
  const flat = source.replace(/\s+/g, " ");
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 77)}...` : flat);
}
