import { afterEach, describe, expect, it } from "vitest";
import { eventually, publishFlow, type Stack, startStack } from "../helpers/in-process.js";

/**
 * Creates batched into one sObject Collections request (batchWindowMs > 0) that Salesforce saved
 * but answered with SaveResults `{"success":true,"errors":[]}` without ids: as a lone create's
 * 201 without an id, the outcome is unknown and the record is looked up, not created again.
 * Before: each was sent again as a plain create and every Lead existed twice. Both dialects.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

type RunView = { status: string; steps: Array<{ stepId: string; output: Record<string, unknown> | null }> };

async function startRuns(s: Stack, tag: string, count: number): Promise<string[]> {
  const { id: flowId } = await publishFlow(s, {
    schema: "tern.flow/v1",
    name: "create from the API",
    trigger: { type: "api" },
    steps: [
      {
        id: "create",
        type: "salesforce.create",
        connection: "salesforce",
        object: "Lead",
        fields: { LastName: "{{ vars.last }}", Company: "{{ vars.company }}" },
        next: "done",
      },
      { id: "done", type: "send", text: "Your reference is {{ steps.create.id }}." },
    ],
  });
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const started = await s.http("POST", `/api/v1/flows/${flowId}/runs`, {
        contact: { channel: "whatsapp", phone: `+1555000${String(i).padStart(4, "0")}` },
        input: { last: `${tag} ${i}`, company: "Acme" },
      });
      expect(started.status).toBe(202);
      return ((await started.json()) as { runId: string }).runId;
    }),
  );
}

/** Starts `count` runs whose creates Salesforce saves and answers without ids; their runs when done. */
async function runWithoutIds(s: Stack, tag: string, count: number) {
  const sf = s.sandbox.sf;
  sf.holdCreates();
  const runIds = await startRuns(s, tag, count);
  await sf.waitForCreate(count);
  sf.releaseCreates({ withoutIds: true });
  return Promise.all(
    runIds.map((id) =>
      eventually(async () => {
        const run = (await (await s.http("GET", `/api/v1/runs/${id}`)).json()) as RunView;
        return run.status === "completed" ? run : null;
      }),
    ),
  );
}

describe("batched creates answered with SaveResults without ids", () => {
  it.each([
    ["lookup", false, "collection-create"],
    ["externalId (Tern_Key__c)", true, "collection-upsert"],
  ] as const)(
    "%s: one Lead per run, each run completing with its saved id",
    async (_, ternKeyField, call) => {
      stack = await startStack({ salesforce: { ternKeyField }, connectionConfig: { batchWindowMs: 1_000 } });
      const sf = stack.sandbox.sf;
      const runs = await runWithoutIds(stack, "Batch", 4);
      // The collection path was taken (the first create may have gone alone), and nothing was
      // sent again: each record was looked up (external id mode: a resend would update, not double).
      expect(sf.apiCalls[call]).toBeGreaterThanOrEqual(1);
      expect(sf.createRequests).toBe(4);
      const leads = sf.records("Lead");
      expect(leads.map((l) => l.LastName).sort()).toEqual(["Batch 0", "Batch 1", "Batch 2", "Batch 3"]);
      runs.forEach((run, i) => {
        const output = run.steps.find((step) => step.stepId === "create")?.output;
        const saved = leads.find((l) => l.LastName === `Batch ${i}`);
        expect(output).toMatchObject({ id: saved?.Id, reconciled: true });
      });
    },
  );
});
