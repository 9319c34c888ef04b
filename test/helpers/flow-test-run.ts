import { mkdtempSync, rmSync } from "node:fs";
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
