import { connectorTypes } from "./connectors/registry.js";
import type { StepDefinition } from "./flows/step.js";
import { coreSteps, createStepRegistry, type StepRegistry } from "./flows/step-registry.js";

/**
 * Every step type Tern knows: the core steps plus the steps each connector contributes. Composed
 * here, outside `src/flows`, so the flow engine never imports connector code.
 */
export const allSteps: ReadonlyArray<StepDefinition> = [
  ...coreSteps,
  ...Object.values(connectorTypes).flatMap((connector) => connector.steps),
];

export const stepRegistry: StepRegistry = createStepRegistry(allSteps);
