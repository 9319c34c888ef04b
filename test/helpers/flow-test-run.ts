import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { testFlowFiles } from "../../src/flow-tests/test-flows.js";

const dirs: string[] = [];

/** A directory for a test's flow files, removed after the test file's last test. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tern-flowtest-"));
  if (dirs.length === 0) {
    afterAll(() => {
      for (const made of dirs.splice(0)) rmSync(made, { recursive: true, force: true });
    });
  }
  dirs.push(dir);
  return dir;
}

/** `tern flows test <files>` run in this process: its exit code and what it wrote. */
export async function testInProcess(files: string[], cwd: string): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const code = await testFlowFiles(files, { cwd, write: (text) => void chunks.push(text) });
  return { code, out: chunks.join("") };
}

/** A small order flow the runner tests start from (steps replaced through `extra`). */
export const orderFlow = {
  schema: "tern.flow/v1",
  name: "Order status",
  trigger: { type: "message", channels: ["telegram"], keywords: ["order"] },
  steps: [
    {
      id: "pick",
      type: "ask",
      text: "Hi {{ vars.first | default: 'there' }}! Track or cancel?",
      save: "action",
      expect: "choice",
      choices: [
        { id: "track", title: "Track" },
        { id: "cancel", title: "Cancel" },
      ],
      timeout: "PT1H",
      next: "note",
      onTimeout: "late",
    },
    {
      id: "note",
      type: "salesforce.create",
      connection: "salesforce",
      object: "Case",
      fields: { Subject: "{{ vars.action }} by {{ contact.name }}", Origin: "Telegram" },
      readBack: ["CaseNumber"],
      next: "done",
    },
    { id: "done", type: "send", text: "Case {{ steps.note.CaseNumber }} opened to {{ vars.action }}." },
    { id: "late", type: "send", text: "Write 'order' again when you're ready." },
  ],
};

/** Writes `orderFlow` (with `extra` over it) into `dir` as `name`. */
export function writeFlow(dir: string, extra: Record<string, unknown> = {}, name = "order.json"): void {
  writeFileSync(path.join(dir, name), JSON.stringify({ ...orderFlow, ...extra }, null, 2));
}
