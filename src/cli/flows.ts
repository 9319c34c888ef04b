import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { decodeJsonBytes, parseJsonText } from "../core/json-syntax.js";
import type { FlowValidationResult } from "../flows/validate.js";
import type { FlowDiff, ValueChange } from "../flows/versions/diff.js";
import { createApiClient } from "./api-client.js";

/**
 * The flow engine (steps, templates, validation: most of a second to load) is imported by the
 * commands that run it, so that the ones that only talk to the server start at once.
 */
const engine = async () => {
  const [load, design, env, steps] = await Promise.all([
    import("../flow-tests/load.js"),
    import("../flows/design-check.js"),
    import("../services/design-env.js"),
    import("../steps.js"),
  ]);
  return { ...load, ...design, ...env, ...steps };
};

/** The admin API takes bodies up to 1 MB: a larger flow could not be imported anyway. */
const MAX_FLOW_BYTES = 1024 * 1024;
/**
 * The file may be larger than what is sent: the CLI sends the flow without its indentation, and
 * an export's 2-space indentation can take a flow of 0.9 MB past 1 MB; its own export must import.
 */
const MAX_FLOW_FILE_BYTES = 8 * MAX_FLOW_BYTES;

const megabytes = (bytes: number) => (bytes / 1048576).toFixed(1);

/** What `--version` takes: a version number, checked here so that "abc" is not sent as NaN. */
const VERSION_NUMBER = /^[1-9]\d{0,8}$/;

function readJson(file: string): unknown {
  let bytes: Buffer;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new Error(`${file} is a directory, not a flow file`);
    if (stat.size > MAX_FLOW_FILE_BYTES)
      throw new Error(`${file} is ${megabytes(stat.size)} MB: a flow is at most 1 MB (what the API takes)`);
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${file}: no such file`);
    if (code === "EACCES") throw new Error(`${file}: not readable by this user`);
    throw error;
  }
  let text: string;
  try {
    text = decodeJsonBytes(bytes);
  } catch (error) {
    throw new Error(`${file} is ${(error as Error).message}`);
  }
  let flow: unknown;
  try {
    flow = parseJsonText(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const sent = Buffer.byteLength(JSON.stringify(flow));
  if (sent > MAX_FLOW_BYTES)
    throw new Error(
      `${file} is ${megabytes(sent)} MB without its indentation: a flow is at most 1 MB (what the API takes)`,
    );
  return flow;
}

/** `tern flows …`: validate offline; import, publish and export through the admin API. */
export function registerFlowCommands(program: Command): void {
  const flows = program.command("flows").description("Flow files: validate, test, import, publish, export");

  flows
    .command("validate <files...>")
    .description(
      "Check flow files; exits 1 when any is invalid. --server also checks each Salesforce mapping against its connection",
    )
    .option(
      "--server",
      "validate through the running server (TERN_URL), which checks mappings against the org",
    )
    .action(async (files: string[], opts: { server?: boolean }) => {
      const { isTestFile, testFileOf, testFileProblems, validateFlowDesign, offlineDesignEnv, stepRegistry } =
        await engine();
      const api = opts.server ? createApiClient() : null;
      let failed = false;
      // A flow's <name>.test.json is checked with it, and as itself when named (flows/*.json names it).
      const given = new Set(files.map((file) => path.resolve(file)));
      const siblings = files.flatMap((file) => {
        if (isTestFile(file) || !file.endsWith(".json")) return [];
        const tests = testFileOf(file);
        return given.has(path.resolve(tests)) || !existsSync(tests) ? [] : [tests];
      });
      for (const file of [...files, ...siblings]) {
        let flow: unknown;
        try {
          flow = readJson(file);
        } catch (error) {
          // Said, and the other files are still checked.
          failed = true;
          process.stdout.write(`${(error as Error).message}\n`);
          continue;
        }
        if (isTestFile(file)) {
          const problems = testFileProblems(flow);
          if (problems.length === 0) process.stdout.write(`${file}: valid (test cases)\n`);
          else failed = true;
          for (const e of problems) process.stdout.write(`${file}: ${e.path}: ${e.message}\n`);
          continue;
        }
        const result = api
          ? ((await api.request("POST", "/flows/validate", flow)) as FlowValidationResult)
          : await validateFlowDesign(flow, offlineDesignEnv, { steps: stepRegistry });
        if (result.valid) process.stdout.write(`${file}: valid\n`);
        else {
          failed = true;
          for (const e of result.errors) process.stdout.write(`${file}: ${e.path}: ${e.message}\n`);
        }
        for (const w of result.warnings) process.stdout.write(`${file}: warning: ${w.path}: ${w.message}\n`);
      }
      if (failed) process.exitCode = 1;
    });

  flows
    .command("test [files...]")
    .description(
      'Run the test cases of flow files or directories (their "tests" and <name>.test.json) against the sandbox with a simulated clock; default templates/*.json and flows/*.json. Exits 1 when a case fails, 2 when a file cannot be read',
    )
    .action(async (files: string[]) => {
      const { testFlowFiles } = await import("../flow-tests/test-flows.js");
      process.exitCode = await testFlowFiles(files);
    });

  flows
    .command("import <file>")
    .description("Store a flow file as a new flow (or a new version with --id)")
    .option(
      "--id <flowId>",
      "add a version to this flow (created with this id if it does not exist: stable ids across installations)",
    )
    .option("--publish", "publish the imported version")
    .action(async (file: string, opts: { id?: string; publish?: boolean }) => {
      const api = createApiClient();
      const body = readJson(file);
      const created = (await api.request(
        opts.id ? "PUT" : "POST",
        opts.id ? `/flows/${encodeURIComponent(opts.id)}` : "/flows",
        body,
      )) as {
        id: string;
        version: number;
        warnings?: Array<{ path: string; message: string }>;
        unchanged?: boolean;
      };
      process.stdout.write(
        created.unchanged
          ? `Unchanged: ${file} is flow ${created.id} version ${created.version} already\n`
          : `Imported ${file} as flow ${created.id} version ${created.version}\n`,
      );
      for (const w of created.warnings ?? []) process.stdout.write(`warning: ${w.path}: ${w.message}\n`);
      if (opts.publish) {
        const published = (await api.request("POST", `/flows/${created.id}/publish`, {
          version: created.version,
        })) as { warnings?: Array<{ path: string; message: string }> };
        process.stdout.write(`Published flow ${created.id} version ${created.version}\n`);
        for (const w of published.warnings ?? []) process.stdout.write(`warning: ${w.path}: ${w.message}\n`);
      }
    });

  flows
    .command("unpublish <flowId>")
    .description("Stop the flow taking new conversations; runs already started go on on their version")
    .action(async (flowId: string) => {
      const result = (await createApiClient().request(
        "POST",
        `/flows/${encodeURIComponent(flowId)}/unpublish`,
      )) as {
        previousVersion: number | null;
        activeRuns: number;
      };
      process.stdout.write(
        result.previousVersion === null
          ? `Flow ${flowId} was not published\n`
          : `Unpublished flow ${flowId} (was version ${result.previousVersion}); ${result.activeRuns} run(s) still active go on on their version\n`,
      );
    });

  flows
    .command("delete <flowId>")
    .description("Delete a flow and its versions (not published, no runs in its history)")
    .action(async (flowId: string) => {
      await createApiClient().request("DELETE", `/flows/${encodeURIComponent(flowId)}`);
      process.stdout.write(`Deleted flow ${flowId}\n`);
    });

  flows
    .command("publish <flowId>")
    .description(
      "Publish a version of a flow (default: its latest): new conversations start on it; refused with each problem when the flow would break",
    )
    .option("--version <n>", "version to publish (default: latest); an older one rolls back to it")
    .option(
      "--waiting-runs <policy>",
      "stay (default): waiting runs finish on their version; move: they continue on this one where their step exists",
    )
    .action(async (flowId: string, opts: { version?: string; waitingRuns?: string }) => {
      if (opts.version !== undefined && !VERSION_NUMBER.test(opts.version))
        throw new Error(`--version must be a version number (1, 2, …), not "${opts.version}"`);
      const result = (await createApiClient().request(
        "POST",
        `/flows/${encodeURIComponent(flowId)}/publish`,
        {
          version: opts.version ? Number(opts.version) : undefined,
          waitingRuns: opts.waitingRuns,
        },
      )) as {
        publishedVersion: number;
        previousVersion: number | null;
        waitingRuns: { policy: string; moved: number; stayed: number };
        warnings?: Array<{ path: string; message: string }>;
      };
      const { moved, stayed } = result.waitingRuns;
      const was = result.previousVersion === null ? "" : ` (was version ${result.previousVersion})`;
      const runs =
        moved + stayed === 0 ? "" : `; waiting runs: ${moved} moved to it, ${stayed} finish on their version`;
      process.stdout.write(`Published flow ${flowId} version ${result.publishedVersion}${was}${runs}\n`);
      for (const w of result.warnings ?? []) process.stdout.write(`warning: ${w.path}: ${w.message}\n`);
    });

  flows
    .command("versions <flowId>")
    .description("List a flow's versions, newest first, marking the published one")
    .action(async (flowId: string) => {
      const { items } = (await createApiClient().request(
        "GET",
        `/flows/${encodeURIComponent(flowId)}/versions`,
      )) as {
        items: Array<{
          version: number;
          isPublished: boolean;
          createdAt: number;
          publishedAt: number | null;
        }>;
      };
      for (const v of items) {
        const published = v.publishedAt ? `, last published ${new Date(v.publishedAt).toISOString()}` : "";
        process.stdout.write(
          `${v.isPublished ? "*" : " "} v${v.version}  created ${new Date(v.createdAt).toISOString()}${published}\n`,
        );
      }
    });

  flows
    .command("diff <flowId> <from> <to>")
    .description("What changed between two versions of a flow (--json for the API's structured answer)")
    .option("--json", "print the structured diff as JSON")
    .action(async (flowId: string, from: string, to: string, opts: { json?: boolean }) => {
      const diff = (await createApiClient().request(
        "GET",
        `/flows/${encodeURIComponent(flowId)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      )) as FlowDiff;
      process.stdout.write(opts.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff));
    });

  flows
    .command("export <flowId>")
    .description("Print a flow version as its canonical JSON file (the same flow exports to the same bytes)")
    .option("--version <n>", "version to export (default: published, else latest)")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .action(async (flowId: string, opts: { version?: string; out?: string }) => {
      if (opts.version !== undefined && !VERSION_NUMBER.test(opts.version))
        throw new Error(`--version must be a version number (1, 2, …), not "${opts.version}"`);
      const query = opts.version ? `?version=${Number(opts.version)}` : "";
      const flow = await createApiClient().request(
        "GET",
        `/flows/${encodeURIComponent(flowId)}/export${query}`,
      );
      // The server's canonical bytes, kept as they are: the same flow exports to the same file.
      const [{ canonicalFlowText }, { stepRegistry }] = await Promise.all([
        import("../flows/versions/canonical.js"),
        import("../steps.js"),
      ]);
      const text = canonicalFlowText(flow, stepRegistry);
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}

/** The diff as lines a person reads in a terminal: + added, - removed, ~ changed. */
export function formatDiff(diff: FlowDiff): string {
  if (diff.identical) return "No differences.\n";
  const show = (value: unknown) => JSON.stringify(value);
  const change = (c: ValueChange) =>
    c.change === "added"
      ? `  + ${c.path}: ${show(c.new)}`
      : c.change === "removed"
        ? `  - ${c.path}: ${show(c.old)}`
        : `  ~ ${c.path}: ${show(c.old)} → ${show(c.new)}`;
  const lines = [
    ...diff.topLevel.map(change),
    ...diff.trigger.map(change),
    ...diff.steps.added.map((s) => `+ step ${s.id} (${s.type})`),
    ...diff.steps.removed.map((s) => `- step ${s.id} (${s.type})`),
    ...diff.steps.changed.flatMap((s) => [`~ step ${s.id} (${s.type})`, ...s.changes.map(change)]),
    ...diff.steps.moved.map(
      (m) => `  step ${m.id} moved from position ${m.fromIndex + 1} to ${m.toIndex + 1}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
