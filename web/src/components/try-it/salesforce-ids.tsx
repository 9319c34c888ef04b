import type { RunStep } from "../../api/types";

/**
 * Salesforce record ids (15 or 18 characters) with a standard key prefix: Lead 00Q, Case 500,
 * Contact 003, Account 001, Opportunity 006, Task 00T. Marked in the flow's replies so the
 * record the conversation made is easy to spot.
 */
const RECORD_ID = /\b((?:00Q|500|003|001|006|00T)[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)\b/g;

export function salesforceIdsIn(text: string): string[] {
  return [...text.matchAll(RECORD_ID)].map((m) => m[1] ?? "");
}

/** Text with each Salesforce record id marked. */
export function TextWithRecordIds({ text }: { text: string }) {
  const parts = text.split(RECORD_ID);
  // split with one capture group: odd indexes are the ids.
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never move
          <mark key={i} className="sf-id" title="Salesforce record id">
            {part}
          </mark>
        ) : (
          part
        ),
      )}
    </>
  );
}

/** Records the run's steps made: outputs with an `id` and an http(s) `url` (salesforce.create and the like). */
export function recordsOf(steps: RunStep[]): Array<{ stepId: string; id: string; url: string }> {
  const records: Array<{ stepId: string; id: string; url: string }> = [];
  for (const step of steps) {
    const out = step.output as { id?: unknown; url?: unknown } | null;
    if (out && typeof out.id === "string" && typeof out.url === "string" && /^https?:\/\//i.test(out.url)) {
      records.push({ stepId: step.stepId, id: out.id, url: out.url });
    }
  }
  return records;
}
