import { jsonPath, type ValidationIssue } from "./issues.js";
import { forEachStepString } from "./step-strings.js";
import { SCOPE_ROOTS, templateNames } from "./template.js";

/**
 * Warnings for names a template reads that no run can have: a root that is not in the scope
 * (`{{ var.name }}` for `vars.name`) or a step id the flow does not have (`steps.create_leed`).
 * Either renders as empty text at run time, a Lead with a blank Company or a reference that
 * never shows. Warnings, not errors: the flow stays importable and publishable as before.
 */
export function templateReferenceWarnings(
  rawSteps: readonly unknown[],
  stepIds: { has(id: string): boolean },
  skip: ReadonlySet<string>,
): ValidationIssue[] {
  const warnings: ValidationIssue[] = [];
  const roots = new Set<string>(SCOPE_ROOTS);
  forEachStepString(rawSteps, skip, (value, path) => {
    for (const message of problems(value, roots, stepIds)) warnings.push({ path: jsonPath(path), message });
  });
  return warnings;
}

function problems(
  source: string,
  roots: ReadonlySet<string>,
  stepIds: { has(id: string): boolean },
): string[] {
  const found = new Set<string>();
  for (const [root, second] of templateNames(source)) {
    if (typeof root !== "string") continue;
    if (!roots.has(root)) {
      found.add(
        `"${root}" is not a name templates can read; they read ${SCOPE_ROOTS.join(", ")} (e.g. {{ vars.name }})`,
      );
    } else if (root === "steps" && typeof second === "string" && !stepIds.has(second)) {
      found.add(`no step "${second}" in this flow: {{ steps.${second}… }} is always empty`);
    }
  }
  return [...found];
}
