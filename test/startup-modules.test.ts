import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processSecrets, spawnTern, type TernProcess } from "../src/sandbox/tern-process.js";

/**
 * Issue 6: "nothing loaded at start that the hot path does not need". A started `tern serve`
 * (the ESM modules it loaded, recorded by a loader hook) is one bundle and a few chunks, and holds
 * neither WeChat's XML parser nor the cron library, which only a WeChat channel or a schedule
 * trigger reaches (both stay out of the bundle, required on first use).
 */
describe("what a started server has loaded", () => {
  let dir: string;
  let tern: TernProcess | undefined;
  let loaded: string[] = [];
  const previousArgs = process.env.TERN_NODE_ARGS;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tern-startup-modules-"));
    const record = path.join(dir, "loaded.txt");
    writeFileSync(
      path.join(dir, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(record)}, url + "\\n");
  return next(url, context);
}
`,
    );
    writeFileSync(
      path.join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`,
    );
    process.env.TERN_NODE_ARGS = `--import ${pathToFileURL(path.join(dir, "register.mjs")).href}`;
    try {
      tern = await spawnTern({ dataDir: path.join(dir, "data"), ...processSecrets() });
    } finally {
      if (previousArgs === undefined) delete process.env.TERN_NODE_ARGS;
      else process.env.TERN_NODE_ARGS = previousArgs;
    }
    // Past the start: the first scheduler tick and health checks have run.
    await new Promise((r) => setTimeout(r, 500));
    loaded = readFileSync(record, "utf8").split("\n").filter(Boolean);
  });
  afterAll(async () => {
    await tern?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fromPackage = (name: string) => loaded.filter((url) => url.includes(`/node_modules/${name}/`));

  it("records what the hot path needs (the hook sees the server's imports): the bundle, not its ~900 modules", () => {
    expect(loaded.filter((url) => url.endsWith("/dist/bin/tern.js"))).toHaveLength(1);
    expect(loaded.filter((url) => url.includes("/dist/bin/chunk-")).length).toBeGreaterThan(0);
    // Kysely and liquidjs are in it, not read module by module from node_modules.
    expect(fromPackage("kysely")).toEqual([]);
    expect(fromPackage("liquidjs")).toEqual([]);
    expect(loaded.length).toBeLessThan(100);
  });

  it("leaves the WeChat XML parser and the cron library unloaded", () => {
    expect(fromPackage("fast-xml-parser")).toEqual([]);
    expect(fromPackage("cron-parser")).toEqual([]);
    expect(fromPackage("luxon")).toEqual([]);
  });
});
