import { afterEach, describe, expect, it } from "vitest";
import { eventually, publishFlow, type Stack, startStack } from "../helpers/in-process.js";

/**
 * A run whose Salesforce step kept failing for a reason that passes (503, a gateway's HTML 502)
 * until its attempts ran out: the run's stored error says it failed after its attempts and how
 * to retry the run, not "retrying" (nothing retries it any more). The retry it names works.
 * Both dialects.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

type RunView = { status: string; error: { code: string; message: string; stepId: string } | null };

async function startRun(s: Stack, last: string): Promise<string> {
  const { id: flowId } = await publishFlow(s, {
    schema: "tern.flow/v1",
    name: "create without onError",
    trigger: { type: "api" },
    steps: [
      {
        id: "create",
        type: "salesforce.create",
        connection: "salesforce",
        object: "Lead",
        fields: { LastName: "{{ vars.last }}", Company: "Acme" },
      },
    ],
  });
  const started = await s.http("POST", `/api/v1/flows/${flowId}/runs`, {
    contact: { channel: "whatsapp", phone: "+15550001234" },
    input: { last },
  });
  expect(started.status).toBe(202);
  return ((await started.json()) as { runId: string }).runId;
}

const runOf = async (s: Stack, id: string) =>
  (await (await s.http("GET", `/api/v1/runs/${id}`)).json()) as RunView;

const until = (s: Stack, id: string, status: string) =>
  eventually(async () => {
    const run = await runOf(s, id);
    return run.status === status ? run : null;
  }, 20_000);

describe("a run that failed after its attempts", () => {
  it.each([
    [
      "503 SERVER_UNAVAILABLE",
      503,
      [{ errorCode: "SERVER_UNAVAILABLE", message: "Server unavailable" }],
      undefined,
    ],
    ["a gateway's HTML 502", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"],
  ] as const)(
    "%s: its error says it failed after 3 attempts and how to retry it",
    async (_, status, body, contentType) => {
      stack = await startStack();
      const sf = stack.sandbox.sf;
      sf.failNext(status, body, { on: "create", times: 3, contentType });
      const runId = await startRun(stack, "Retried");
      const failed = await until(stack, runId, "failed");
      expect(failed.error).toMatchObject({ code: "SALESFORCE_UNAVAILABLE", stepId: "create" });
      const message = failed.error?.message ?? "";
      expect(message).not.toMatch(/retrying/i);
      expect(message).toMatch(/failed after 3 attempts/i);
      expect(message).toContain(`POST /api/v1/runs/${runId}/retry`);
      expect(sf.records("Lead")).toHaveLength(0);

      // The retry it names: Salesforce is back, the run completes with one Lead.
      expect((await stack.http("POST", `/api/v1/runs/${runId}/retry`)).status).toBe(200);
      await until(stack, runId, "completed");
      expect(sf.records("Lead").map((l) => l.LastName)).toEqual(["Retried"]);
    },
  );
});
