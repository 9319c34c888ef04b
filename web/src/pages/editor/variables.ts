import type { FlowFile } from "../../api/types";
import { stepsBefore } from "./flow-graph";

/**
 * What a template in a step can name: `vars.<name>` (every `save` and `set` variable in the flow),
 * the contact and message, and the outputs of steps that can run before this one. Outputs are
 * listed for the step types that document them; any other step offers `steps.<id>` whole.
 */
export interface Variable {
  /** The Liquid expression, e.g. "vars.name". */
  expression: string;
  group: "Variables" | "Contact" | "Message" | "Steps";
}

const STEP_OUTPUTS: Record<string, string[]> = {
  ask: ["value", "text"],
  menu: ["value", "text", "choice.title"],
  http: ["status", "body"],
  "salesforce.create": ["id", "url"],
  "salesforce.update": ["id", "url"],
  "salesforce.upsert": ["id", "url"],
  "salesforce.get": ["id"],
  "salesforce.find": ["records", "totalSize"],
};

const CONTACT = ["contact.name", "contact.phone", "contact.address", "contact.channel"];
const MESSAGE = ["message.text", "conversation.transcript"];

export function variablesFor(flow: FlowFile, stepId: string | null): Variable[] {
  const names = new Set<string>();
  for (const step of flow.steps) {
    if (typeof step.save === "string" && step.save !== "") names.add(step.save);
    if (step.type === "set" && typeof step.vars === "object" && step.vars !== null) {
      for (const key of Object.keys(step.vars)) names.add(key);
    }
  }
  const vars: Variable[] = [...names].sort().map((n) => ({ expression: `vars.${n}`, group: "Variables" }));
  const before = stepId === null ? [] : stepsBefore(flow, stepId);
  const steps: Variable[] = before.flatMap((step) => {
    const outputs = STEP_OUTPUTS[step.type];
    const expressions = outputs ? outputs.map((o) => `steps.${step.id}.${o}`) : [`steps.${step.id}`];
    return expressions.map((expression) => ({ expression, group: "Steps" as const }));
  });
  return [
    ...vars,
    ...CONTACT.map((expression) => ({ expression, group: "Contact" as const })),
    ...MESSAGE.map((expression) => ({ expression, group: "Message" as const })),
    ...steps,
  ];
}

/** Inserts `{{ expression }}` at the caret (or replaces the selection) of a text value. */
export function insertAt(
  value: string,
  expression: string,
  selection: { start: number; end: number } | null,
): { value: string; caret: number } {
  const text = `{{ ${expression} }}`;
  const start = selection?.start ?? value.length;
  const end = selection?.end ?? value.length;
  return { value: value.slice(0, start) + text + value.slice(end), caret: start + text.length };
}
