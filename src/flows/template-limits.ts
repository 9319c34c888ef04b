import { CaptureTag, type Context, type Emitter } from "liquidjs";

/**
 * Bounds on one render, so that no template (a flow author's mistake or a hostile import) can
 * hold the event loop for more than a few tens of milliseconds or fill memory.
 *
 * How liquidjs 10 enforces its own limits (checked against 10.30, `renderSync` included):
 * - `renderLimit` is a deadline checked before each node of a block, so a loop stops at its
 *   next iteration once the time is up; one node that is slow on its own is not interrupted,
 *   which is why the memory budget below also bounds the work any single filter can do.
 * - `memoryLimit` is a budget charged by ranges and by filters in proportion to the strings and
 *   arrays they build (append, split, sort, replace...), shared by the whole render.
 * - neither counts output, and `{% capture %}` renders into a buffer no limit sees: doubling a
 *   captured string 24 times costs nothing (V8 concatenates lazily) until a `contains` flattens
 *   hundreds of megabytes. So output and captures go through an emitter with a cap.
 * https://liquidjs.com/tutorials/dos.html
 */
export const TEMPLATE_LIMITS = {
  /** Longest template source accepted (parsing is cached, but the first parse is synchronous). */
  sourceChars: 16_384,
  /** Wall time one render (or one `renderValue` of a whole step config) may take... */
  renderMs: 20,
  /**
   * ...once it has evaluated this many nodes. A GC pause or a busy machine can stretch an
   * ordinary three-node template past 20 ms of wall time; failing a customer's run for that
   * would be wrong, and a template with fewer nodes cannot be slow: each node's own work is
   * bounded by the allocation budget below.
   */
  minNodesBeforeTimeout: 1_000,
  /** Liquid's allocation budget, in characters and array items, for one render. */
  memoryUnits: 131_072,
  /** Longest text one template may produce, and the longest string a capture may hold. */
  outputChars: 65_536,
} as const;

/**
 * The `length` argument of liquidjs's `slice`, cut to what the value has from `begin` on. slice
 * charges the memory budget the length asked for, not the text it returns, so
 * `'abc' | slice: 0, 99999999` failed as "builds more than 131072 characters"; cut, the charge
 * is the real output. Arguments that are not whole numbers are left as given.
 */
export function sliceLength(value: unknown, begin: unknown, length: unknown): unknown {
  if (!Number.isInteger(length) || !Number.isInteger(begin)) return length;
  // As slice counts: a list by items, anything else as text by code points.
  const size = Array.isArray(value)
    ? value.length
    : typeof value === "string" || typeof value === "number" || typeof value === "boolean"
      ? [...String(value)].length
      : null;
  if (size === null) return length;
  const start = (begin as number) < 0 ? size + (begin as number) : (begin as number);
  return start < 0 ? length : Math.min(length as number, Math.max(0, size - start));
}

/** A limit was hit: the message says which and by how much. */
export class TemplateLimitError extends Error {
  override name = "TemplateLimitError";
}

type LiquidLimiter = Context["renderLimit"];

/** Time and memory shared by every template rendered under it. */
export interface RenderBudget {
  renderLimit: LiquidLimiter;
  memoryLimit: LiquidLimiter;
}

export function createRenderBudget(now: () => number = () => performance.now()): RenderBudget {
  const deadline = now() + TEMPLATE_LIMITS.renderMs;
  let used = 0;
  let nodes = 0;
  // Same contract as liquidjs' Limiter: `check(now)` before each node, `use(count)` for allocation.
  const renderLimit = {
    use() {},
    check() {
      nodes += 1;
      if (nodes >= TEMPLATE_LIMITS.minNodesBeforeTimeout && now() > deadline) {
        throw new TemplateLimitError(`rendering took longer than ${TEMPLATE_LIMITS.renderMs} ms`);
      }
    },
  };
  const memoryLimit = {
    use(count: number) {
      if (!(+count > 0)) return;
      used += +count;
      if (used > TEMPLATE_LIMITS.memoryUnits) {
        throw new TemplateLimitError(
          `the template builds more than ${TEMPLATE_LIMITS.memoryUnits} characters or items`,
        );
      }
    },
    check() {},
  };
  return {
    renderLimit: renderLimit as unknown as LiquidLimiter,
    memoryLimit: memoryLimit as unknown as LiquidLimiter,
  };
}

/** Collects output and refuses to grow past `outputChars`. */
export function createCappedEmitter(what = "output"): Emitter {
  const emitter = {
    buffer: "",
    write(html: unknown) {
      const text = html === null || html === undefined ? "" : String(html);
      if (emitter.buffer.length + text.length > TEMPLATE_LIMITS.outputChars) {
        throw new TemplateLimitError(`the ${what} is longer than ${TEMPLATE_LIMITS.outputChars} characters`);
      }
      emitter.buffer += text;
    },
  };
  return emitter;
}

/** `{% capture %}` with the same cap as output, charged to the render's memory budget. */
export class CappedCaptureTag extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    const html = yield this.liquid.renderer.renderTemplates(
      this.templates,
      ctx,
      createCappedEmitter("capture"),
    );
    ctx.memoryLimit.use(html.length);
    ctx.bottom()[this.variable] = html;
  }
}
