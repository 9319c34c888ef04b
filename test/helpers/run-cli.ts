import { execFile } from "node:child_process";
import { builtCli } from "../../src/core/paths.js";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The `tern` command line as a user runs it: the built CLI in its own process. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [builtCli(), ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new Error(`tern ${args.join(" ")} did not finish: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}
