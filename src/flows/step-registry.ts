import { salesforceCreateStep } from "../connectors/salesforce/steps/create-record.step.js";
import type { StepDefinition } from "./step.js";
import { askStep } from "./steps/ask.step.js";
import { branchStep } from "./steps/branch.step.js";
import { endStep } from "./steps/end.step.js";
import { sendStep } from "./steps/send.step.js";
import { setStep } from "./steps/set.step.js";

/**
 * The one place step types are listed. The engine, the validator and the JSON Schema look
 * types up here and never import a step (or a connector) directly.
 */
export const builtinSteps = [sendStep, askStep, branchStep, setStep, endStep, salesforceCreateStep] as const;

export type StepRegistry = ReadonlyMap<string, StepDefinition>;

export function createStepRegistry(steps: ReadonlyArray<StepDefinition>): StepRegistry {
  const registry = new Map<string, StepDefinition>();
  for (const step of steps) {
    if (registry.has(step.type)) throw new Error(`step type "${step.type}" is registered twice`);
    registry.set(step.type, step);
  }
  return registry;
}

export const defaultStepRegistry: StepRegistry = createStepRegistry(builtinSteps);
