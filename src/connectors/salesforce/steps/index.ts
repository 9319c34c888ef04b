import type { StepDefinition } from "../../../flows/step.js";
import { salesforceCreateStep } from "./create-record.step.js";
import { salesforceFindStep } from "./find-records.step.js";
import { salesforceGetStep } from "./get-record.step.js";
import { salesforceUpdateStep } from "./update-record.step.js";
import { salesforceUpsertStep } from "./upsert-record.step.js";

/** The flow steps the Salesforce connector contributes (composed into the registry in src/steps.ts). */
export const salesforceSteps: ReadonlyArray<StepDefinition> = [
  salesforceCreateStep,
  salesforceUpdateStep,
  salesforceUpsertStep,
  salesforceFindStep,
  salesforceGetStep,
] as unknown as ReadonlyArray<StepDefinition>;
