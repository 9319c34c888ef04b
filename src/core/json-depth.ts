/**
 * The path of the first value nested deeper than `max` levels in parsed JSON, or null. Walked
 * with a stack, not recursion, so any depth is safe to look at. Values from outside (a trigger's
 * input, an http answer) are held to a depth because what Tern does with them later recurses
 * (JSON.stringify, templates) or has its own limit (SQLite's JSON functions stop at 1,000 levels:
 * a run holding such a value could not be read, ended or continued).
 */
export function findTooDeep(input: unknown, max: number): Array<string | number> | null {
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value: input, path: [] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.value === null || typeof item.value !== "object") continue;
    if (item.path.length > max) return item.path;
    for (const [key, value] of Object.entries(item.value)) {
      stack.push({ value, path: [...item.path, Array.isArray(item.value) ? Number(key) : key] });
    }
  }
  return null;
}

/** How deep a value from outside may nest: as deep as a flow file may. */
export const MAX_JSON_DEPTH = 64;
