import { performance } from "node:perf_hooks";
import { defaultFlowFiles, expandFlowFiles, loadSuites } from "./load.js";
import { caseLine, problemLines, summaryLine } from "./report.js";
import { runCase } from "./run-case.js";

/**
 * `tern flows test [files...]`: runs every test case of the given flow files or directories
 * (default: templates/*.json and flows/*.json under `cwd`) and prints a report. Returns the exit code:
 * 0 all passed, 1 a case failed, 2 an input could not be read (missing, not JSON, invalid).
 */
export const EXIT_FAILED = 1;
export const EXIT_UNREADABLE = 2;

export async function testFlowFiles(
  files: string[],
  options: { cwd?: string; write?: (text: string) => void } = {},
): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const startedAt = performance.now();
  const given = files.length > 0 ? expandFlowFiles(files, cwd) : defaultFlowFiles(cwd);
  if (given.length === 0) {
    write("No flow files: name them (tern flows test flows/*.json), or run where templates/ or flows/ is.\n");
    return EXIT_UNREADABLE;
  }
  const { suites, problems } = loadSuites(given, cwd);
  for (const problem of problems) write(problemLines(problem));
  let passed = 0;
  let failed = 0;
  for (const suite of suites) {
    write(`${suite.file}\n`);
    if (suite.tests.length === 0)
      write('  (no test cases: add "tests" to the flow or a .test.json beside it)\n');
    for (const testCase of suite.tests) {
      const result = await runCase(suite.flow, testCase);
      if (result.passed) passed += 1;
      else failed += 1;
      write(caseLine(result));
    }
  }
  const ms = performance.now() - startedAt;
  write(summaryLine({ flows: suites.length, passed, failed, unreadable: problems.length, ms }));
  if (problems.length > 0) return EXIT_UNREADABLE;
  return failed > 0 ? EXIT_FAILED : 0;
}
