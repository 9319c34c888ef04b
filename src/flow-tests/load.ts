import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { decodeJsonBytes, parseJsonText } from "../core/json-syntax.js";
import { type FlowTestCase, FlowTestFile } from "../flows/flow-test.js";
import { fromZodIssues, type ValidationIssue } from "../flows/issues.js";
import type { Flow } from "../flows/schema.js";
import { validateFlow } from "../flows/validate.js";
import { stepRegistry } from "../steps.js";

/**
 * Finds and reads what `tern flows test` runs: a flow file with its `tests`, plus the cases of
 * `<name>.test.json` beside it. Naming the `.test.json` file tests its flow. Anything unreadable
 * (missing, not JSON, an invalid flow or test case) is a `LoadProblem`, reported as such.
 */
export interface FlowSuite {
  /** The flow file, as given (relative paths stay relative in the output). */
  file: string;
  flow: Flow;
  tests: FlowTestCase[];
}

export interface LoadProblem {
  file: string;
  problems: string[];
}

const TEST_SUFFIX = ".test.json";

/** The flow files (`*.json`, not `*.test.json`) directly in `dir`, sorted. */
function flowFilesIn(dir: string, cwd: string): string[] {
  return readdirSync(path.resolve(cwd, dir))
    .filter((name) => name.endsWith(".json") && !name.endsWith(TEST_SUFFIX))
    .sort()
    .map((name) => path.join(dir, name));
}

const isDirectory = (file: string, cwd: string): boolean => {
  try {
    return statSync(path.resolve(cwd, file)).isDirectory();
  } catch {
    return false;
  }
};

/** templates/*.json and flows/*.json under `cwd`, when those folders exist. */
export function defaultFlowFiles(cwd: string): string[] {
  return ["templates", "flows"]
    .filter((dir) => isDirectory(dir, cwd))
    .flatMap((dir) => flowFilesIn(dir, cwd));
}

/** The files as given, a directory standing for the flow files in it. */
export function expandFlowFiles(files: string[], cwd: string): string[] {
  return files.flatMap((file) => (isDirectory(file, cwd) ? flowFilesIn(file, cwd) : [file]));
}

function readJson(file: string, cwd: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.resolve(cwd, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? "no such file" : `cannot read it (${code ?? String(error)})`);
  }
  const text = decodeJsonBytes(bytes);
  try {
    return parseJsonText(text);
  } catch (error) {
    throw new Error(`not valid JSON: ${(error as Error).message}`);
  }
}

/** The flow file a given file stands for: `x.test.json` → `x.json`. */
function flowFileOf(file: string): string {
  return file.endsWith(TEST_SUFFIX) ? `${file.slice(0, -TEST_SUFFIX.length)}.json` : file;
}

export function loadSuites(files: string[], cwd: string): { suites: FlowSuite[]; problems: LoadProblem[] } {
  const suites: FlowSuite[] = [];
  const problems: LoadProblem[] = [];
  const seen = new Set<string>();
  for (const given of files) {
    const file = flowFileOf(given);
    const key = path.resolve(cwd, file);
    if (seen.has(key)) continue;
    seen.add(key);
    const loaded = loadSuite(file, cwd);
    if ("problems" in loaded) problems.push(loaded);
    else suites.push(loaded);
  }
  return { suites, problems };
}

function loadSuite(file: string, cwd: string): FlowSuite | LoadProblem {
  const problem = (problems: string[]): LoadProblem => ({ file, problems });
  let raw: unknown;
  try {
    raw = readJson(file, cwd);
  } catch (error) {
    return problem([(error as Error).message]);
  }
  const result = validateFlow(raw, { steps: stepRegistry });
  if (!result.flow) return problem(result.errors.map((e) => `${e.path}: ${e.message}`));
  const tests = [...(result.flow.tests ?? [])];
  const testFile = `${file.slice(0, -".json".length)}${TEST_SUFFIX}`;
  if (!file.endsWith(".json") || !existsSync(path.resolve(cwd, testFile)))
    return { file, flow: result.flow, tests };
  let rawTests: unknown;
  try {
    rawTests = readJson(testFile, cwd);
  } catch (error) {
    return problem([`${testFile}: ${(error as Error).message}`]);
  }
  const parsed = FlowTestFile.safeParse(rawTests, { reportInput: true });
  if (!parsed.success)
    return problem(fromZodIssues(parsed.error.issues).map((e) => `${testFile}: ${e.path}: ${e.message}`));
  return { file, flow: result.flow, tests: [...tests, ...parsed.data.tests] };
}

/** The problems of a `<name>.test.json` file's content (`tern flows validate` checks it too). */
export function testFileProblems(raw: unknown): ValidationIssue[] {
  const parsed = FlowTestFile.safeParse(raw, { reportInput: true });
  return parsed.success ? [] : fromZodIssues(parsed.error.issues);
}

/** A `<name>.test.json` file: test cases of the flow beside it, not a flow. */
export function isTestFile(file: string): boolean {
  return file.endsWith(TEST_SUFFIX);
}

/** `x.json` → `x.test.json`, the test file that may sit beside a flow file. */
export function testFileOf(file: string): string {
  return `${file.slice(0, -".json".length)}${TEST_SUFFIX}`;
}
