import { describe, expect, it } from "vitest";
import { tempDir, testInProcess, writeFlow } from "../helpers/flow-test-run.js";

/**
 * A get or update whose recordId rendered nothing, through `tern flows test` and the real
 * connector actions on the sandbox org: the error names the step's field, not the action's input.
 */
describe("tern flows test: a recordId that rendered nothing", () => {
  it("fails get and update saying which field rendered empty", async () => {
    const dir = tempDir();
    const step = (id: string, type: string, extra: Record<string, unknown>, next: string) => ({
      id,
      type,
      connection: "salesforce",
      object: "Lead",
      recordId: "{{ vars.nothing }}",
      ...extra,
      onError: next,
    });
    const said = (id: string, next?: string) => ({
      id: `${id}_said`,
      type: "send",
      text: `{{ steps.${id}.error.message }}`,
      ...(next && { next }),
    });
    const expected = (id: string) =>
      `The recordId of step "${id}" is empty (did its template "{{ vars.nothing }}" render nothing?). Give it the id of a record, e.g. {{ steps.find_lead.first.Id }}.`;
    writeFlow(
      dir,
      {
        trigger: { type: "message", channels: ["whatsapp"] },
        steps: [
          step("read", "salesforce.get", {}, "read_said"),
          said("read", "write"),
          step("write", "salesforce.update", { fields: { Company: "Acme" } }, "write_said"),
          said("write"),
        ],
        tests: [
          {
            name: "empty ids",
            script: [{ say: "hi" }, { expect: expected("read") }, { expect: expected("write") }],
          },
        ],
      },
      "ids.json",
    );
    const { code, out } = await testInProcess(["ids.json"], dir);
    expect(out).toContain("✓ empty ids");
    expect(code, out).toBe(0);
  });
});
