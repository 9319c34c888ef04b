import { z } from "zod";
import type { RunSearch } from "../store/repos/run-operations.js";
import type { Store } from "../store/store.js";

/** A record in a business system that a run's step made or found, linked from Tern's views. */
export const ContactRecord = z.object({
  id: z.string(),
  url: z.string().describe("The record in the business system (an http(s) URL)"),
  object: z.string().nullable().describe("Its object, e.g. Lead, when the step said"),
  runId: z.string(),
  stepId: z.string(),
  stepType: z.string(),
  at: z.string().describe("When the step ended (ISO-8601), as the run history shows it"),
});
export type ContactRecord = z.infer<typeof ContactRecord>;

/** A record a step output names: `{ id, url }` with an http(s) URL (and `object` when given). */
function linkedRecord(output: unknown): { id: string; url: string; object: string | null } | null {
  if (!output || typeof output !== "object") return null;
  const { id, url, object } = output as { id?: unknown; url?: unknown; object?: unknown };
  if (typeof id !== "string" || typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
  return { id, url, object: typeof object === "string" ? object : null };
}

/**
 * The records (Salesforce Leads, Cases…) the newest `limit` runs of these runs made or found, newest
 * run first; a record seen again (found, then updated) is listed once. Read from the step history,
 * so it stays cheap: the contacts API and the sandbox's conversation view both show these.
 */
export async function recordsOfRuns(store: Store, runs: RunSearch, limit = 50): Promise<ContactRecord[]> {
  const items = new Map<string, ContactRecord>();
  for (const run of await store.runOps.search(runs, limit)) {
    for (const step of await store.runs.steps(run.id)) {
      const record = linkedRecord(step.output);
      if (record && !items.has(record.id)) {
        items.set(record.id, {
          ...record,
          runId: run.id,
          stepId: step.stepId,
          stepType: step.type,
          at: step.endedAt,
        });
      }
    }
  }
  return [...items.values()];
}
