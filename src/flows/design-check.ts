import { checkInstallation, unknownChannelTypes } from "./installation-check.js";
import { jsonPath, type ValidationIssue } from "./issues.js";
import { checkLoops } from "./loop-check.js";
import type { Flow } from "./schema.js";
import type { DesignEnv, DesignIssue, StepDefinition } from "./step.js";
import { coreStepRegistry, type StepRegistry } from "./step-registry.js";
import { type FlowValidationResult, validateFlow } from "./validate.js";

/**
 * Validation against the outside world: after the structural checks pass, every step type with
 * a `check` (e.g. a Salesforce mapping against the org's describe) looks at its config. A check
 * that cannot answer (connection missing, not connected, unreachable, too slow) never blocks:
 * it becomes a warning saying the step was not checked and why.
 */
export interface DesignCheckOptions {
  steps?: StepRegistry;
  /** Per step; a slow org must not hold up a publish forever. */
  timeoutMs?: number;
}

export const DESIGN_CHECK_TIMEOUT_MS = 15_000;

export async function validateFlowDesign(
  input: unknown,
  env: DesignEnv,
  options: DesignCheckOptions = {},
): Promise<FlowValidationResult> {
  const registry = options.steps ?? coreStepRegistry;
  const result = validateFlow(input, { steps: registry });
  if (!result.valid || !result.flow) return result;
  // Names that do not exist here (a channel type, a connection, a subflow's flow) are errors now.
  const installed = env.installation
    ? checkInstallation(result.flow, await env.installation())
    : env.knownChannelTypes
      ? {
          problems: unknownChannelTypes(result.flow, env.knownChannelTypes),
          notes: [],
          stepsWithoutConnection: undefined,
        }
      : undefined;
  const skip = installed?.stepsWithoutConnection ?? new Set<string>();
  const found = await checkSteps(
    result.flow,
    registry,
    env,
    options.timeoutMs ?? DESIGN_CHECK_TIMEOUT_MS,
    skip,
  );
  // Graph-wide, not structural: import keeps storing such drafts; validate and publish refuse them.
  const loops = checkLoops(result.flow, registry);
  const errors = [...result.errors, ...loops.errors, ...(installed?.problems ?? []), ...found.errors];
  const warnings = [...result.warnings, ...loops.warnings, ...(installed?.notes ?? []), ...found.warnings];
  return { ...result, valid: errors.length === 0, errors, warnings };
}

async function checkSteps(
  flow: Flow,
  registry: StepRegistry,
  env: DesignEnv,
  timeoutMs: number,
  /** Steps whose connection does not exist: already an error, nothing to ask. */
  skip: ReadonlySet<string>,
): Promise<{ errors: ValidationIssue[]; warnings: ValidationIssue[] }> {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  // Steps are checked concurrently; several steps on one object share the connection's describe cache.
  const checked = await Promise.all(
    flow.steps.map(async (step) => {
      const def: StepDefinition | undefined = registry.get(step.type);
      if (!def?.check || skip.has(step.id)) return [];
      const check = def.check;
      return runCheck(() => check(step as never, env), timeoutMs);
    }),
  );
  checked.forEach((issues, index) => {
    const step = flow.steps[index];
    if (!step) return;
    for (const issue of issues) {
      const out: ValidationIssue = {
        path: jsonPath(["steps", index, ...issue.path]),
        message: `step "${step.id}": ${issue.message}`,
        stepId: step.id,
        ...(issue.field ? { field: issue.field } : {}),
      };
      (issue.level === "error" ? errors : warnings).push(out);
    }
  });
  return { errors, warnings };
}

async function runCheck(check: () => Promise<DesignIssue[]>, timeoutMs: number): Promise<DesignIssue[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([check(), timeout]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const issue: DesignIssue = {
      level: "warning",
      path: [],
      message: `not checked against its connection (${reason}); this does not block publishing, validate again once the connection works`,
    };
    return [issue];
  } finally {
    clearTimeout(timer);
  }
}
