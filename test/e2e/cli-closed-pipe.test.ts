import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { builtCli, packageRoot } from "../../src/core/paths.js";

/** `tern … | head -1`: the reader closes the pipe before the command has written everything. */
const cli = builtCli();

function runIntoClosedPipe(args: string[]) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    // The reader is gone before the first write, as when `head` has read its lines.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("the CLI writing into a closed pipe", () => {
  it("ends quietly with 0, without an EPIPE stack trace", async () => {
    const template = path.join(packageRoot(), "templates", "whatsapp-lead.json");
    const result = await runIntoClosedPipe(["flows", "validate", template, template, template]);
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.stderr).not.toContain("Unhandled");
    expect(result.code).toBe(0);
  });
});
