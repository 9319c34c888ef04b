import type { PathSegment } from "./issues.js";

/**
 * Calls `visit` with every string inside each step and its path (`["steps", 2, "fields", "Company"]`),
 * skipping the step's own top-level keys in `skip` (ids and transitions are not templates). One
 * walk for the template syntax check and the template reference warnings.
 */
export function forEachStepString(
  rawSteps: readonly unknown[],
  skip: ReadonlySet<string>,
  visit: (value: string, path: PathSegment[]) => void,
): void {
  const walk = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === "string") visit(value, path);
    else if (Array.isArray(value)) for (const [i, item] of value.entries()) walk(item, [...path, i]);
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        if (path.length === 2 && skip.has(key)) continue;
        walk(item, [...path, key]);
      }
    }
  };
  // A step that is not an object is a schema error of its own, reported there.
  for (const [index, step] of rawSteps.entries()) {
    if (step !== null && typeof step === "object" && !Array.isArray(step)) walk(step, ["steps", index]);
  }
}
