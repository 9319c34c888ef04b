import type { FlowFile, ValidationIssue } from "../../api/types";

/**
 * Puts each validation issue on the step it belongs to: by `stepId` when the server gives one
 * (design-time checks), else by the `$.steps[N]` prefix of its path. The rest (name, trigger)
 * belong to the flow.
 */
export interface Problem extends ValidationIssue {
  level: "error" | "warning";
  /** The path inside the step, e.g. "fields" or "choices[1].title"; "" for the step itself. */
  where: string;
}

export interface Problems {
  byStep: Map<string, Problem[]>;
  flow: Problem[];
  errorCount: number;
}

const STEP_PATH = /^\$\.steps\[(\d+)\]\.?(.*)$/;

export function sortProblems(
  flow: FlowFile,
  result: { errors: ValidationIssue[]; warnings: ValidationIssue[] },
): Problems {
  const byStep = new Map<string, Problem[]>();
  const flowProblems: Problem[] = [];
  const place = (issue: ValidationIssue, level: Problem["level"]) => {
    const match = STEP_PATH.exec(issue.path);
    const stepId = issue.stepId ?? (match ? flow.steps[Number(match[1])]?.id : undefined);
    const problem: Problem = { ...issue, level, where: match?.[2] ?? "" };
    if (stepId === undefined) flowProblems.push(problem);
    else byStep.set(stepId, [...(byStep.get(stepId) ?? []), problem]);
  };
  for (const issue of result.errors) place(issue, "error");
  for (const issue of result.warnings) place(issue, "warning");
  return { byStep, flow: flowProblems, errorCount: result.errors.length };
}

export const NO_PROBLEMS: Problems = { byStep: new Map(), flow: [], errorCount: 0 };

/** The issues a refused publish or save carries in its error details, if any. */
export function issuesFromError(
  details: unknown,
): { errors: ValidationIssue[]; warnings: ValidationIssue[] } | null {
  if (typeof details !== "object" || details === null) return null;
  const { errors, warnings } = details as { errors?: unknown; warnings?: unknown };
  if (!Array.isArray(errors)) return null;
  return {
    errors: errors as ValidationIssue[],
    warnings: Array.isArray(warnings) ? (warnings as ValidationIssue[]) : [],
  };
}
