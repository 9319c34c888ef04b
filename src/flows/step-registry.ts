import type { StepDefinition } from "./step.js";
import { askStep } from "./steps/ask.step.js";
import { branchStep } from "./steps/branch.step.js";
import { contactSetStep } from "./steps/contact-set.step.js";
import { contactTagStep } from "./steps/contact-tag.step.js";
import { endStep } from "./steps/end.step.js";
import { gotoStep } from "./steps/goto.step.js";
import { handoffStep } from "./steps/handoff.step.js";
import { httpStep } from "./steps/http.step.js";
import { menuStep } from "./steps/menu.step.js";
import { sendStep } from "./steps/send.step.js";
import { setStep } from "./steps/set.step.js";
import { splitStep } from "./steps/split.step.js";
import { subflowStep } from "./steps/subflow.step.js";
import { waitStep } from "./steps/wait.step.js";

/**
 * The core step types. Connectors contribute their own (`ConnectorDefinition.steps`); the whole
 * registry is composed outside `src/flows` (src/steps.ts), so the engine never imports a connector.
 * The engine, the validator and the JSON Schema take the registry they are handed.
 */
export const coreSteps = [
  sendStep,
  askStep,
  branchStep,
  setStep,
  contactTagStep,
  contactSetStep,
  endStep,
  httpStep,
  menuStep,
  gotoStep,
  splitStep,
  waitStep,
  handoffStep,
  subflowStep,
] as const;

export type StepRegistry = ReadonlyMap<string, StepDefinition>;

export function createStepRegistry(steps: ReadonlyArray<StepDefinition>): StepRegistry {
  const registry = new Map<string, StepDefinition>();
  for (const step of steps) {
    if (registry.has(step.type)) throw new Error(`step type "${step.type}" is registered twice`);
    registry.set(step.type, step);
  }
  return registry;
}

/** Core steps only: what the engine and validator use when no registry is handed in. */
export const coreStepRegistry: StepRegistry = createStepRegistry(coreSteps);
