import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHUTDOWN_DEADLINE_MS } from "../src/cli/serve.js";
import { packageRoot } from "../src/core/paths.js";
import { MALLOC_TUNABLES, NODE_FLAGS } from "../src/core/process-settings.js";
import { buildTextWebhook, postWebhook } from "../src/sandbox/whatsapp/index.js";
import { migrations } from "../src/store/migrations.js";
import { type Stack, startStack } from "./helpers/in-process.js";

/**
 * The image's build stage runs `npm run build` on the files it copied, and nothing else is
 * there: a path the build reads but the Dockerfile leaves out fails `docker compose up --build`
 * (it did: scripts/build-web.ts). No Docker daemon is needed to check that.
 */
describe("the Dockerfile's build stage", () => {
  const root = packageRoot();
  const dockerfile = readFileSync(path.join(root, "Dockerfile"), "utf8");
  const buildStage = dockerfile.split(/^FROM /m)[1] ?? "";
  const copied = new Set(
    [...buildStage.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? "").split(/\s+/)),
  );
  const scripts = (
    JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const tsconfig = JSON.parse(readFileSync(path.join(root, "tsconfig.build.json"), "utf8")) as {
    extends?: string;
    include: string[];
  };

  it("copies every file and folder the build command names", () => {
    const commands = [scripts.build, scripts["build:web"]].join(" ");
    const named = [...commands.matchAll(/(?:^|\s)([\w.-]+\/[\w./-]+|[\w.-]+\.json)(?=\s|$|")/g)]
      .map((m) => (m[1] ?? "").split("/")[0] as string)
      .filter((top) => top !== "dist" && top !== "node_modules");
    expect(named).toContain("scripts");
    for (const top of named) expect([...copied], `${top} is used by npm run build`).toContain(top);
  });

  it("copies the TypeScript project the build compiles, except the bench", () => {
    expect(copied).toContain("tsconfig.build.json");
    expect(copied).toContain(tsconfig.extends?.replace("./", "") ?? "tsconfig.json");
    for (const dir of tsconfig.include.filter((d) => d !== "bench")) expect(copied).toContain(dir);
    // build:web reads the web app and the templates the sandbox serves.
    expect(copied).toContain("web");
    expect(copied).toContain("templates");
  });
});

/** Runs `node -e script args…` in Tern's directory, as `docker exec` does in the image's /app. */
function runNode(script: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-e", script, ...args],
      { cwd: packageRoot(), env: { ...process.env, ...env }, timeout: 20_000 },
      (error) => resolve(error ? (typeof error.code === "number" ? error.code : -1) : 0),
    );
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the image and the compose file, as docs/deployment.md runs them", () => {
  const root = packageRoot();
  const dockerfile = readFileSync(path.join(root, "Dockerfile"), "utf8");
  const finalStage = dockerfile.split(/^FROM /m)[2] ?? "";
  const compose = readFileSync(path.join(root, "docker-compose.yml"), "utf8");
  const deployment = readFileSync(path.join(root, "docs", "deployment.md"), "utf8");
  /** The lines under `name:` (a service, or the x-tern anchor), by indentation. */
  const block = (name: string) => {
    const lines = compose.split("\n");
    const at = lines.findIndex((l) => new RegExp(`^ *${name}:`).test(l));
    if (at < 0) return "";
    const indent = (l: string) => l.length - l.trimStart().length;
    const below = lines.slice(at + 1);
    const end = below.findIndex((l) => l.trim() !== "" && indent(l) <= indent(lines[at] ?? ""));
    return below.slice(0, end < 0 ? undefined : end).join("\n");
  };
  // Continuation lines joined, as Docker reads them.
  const instructions = finalStage.replace(/\\\n\s*/g, " ");
  const healthcheck = JSON.parse(
    instructions.match(/^HEALTHCHECK .*?CMD (\[.*\])$/m)?.[1] ?? "[]",
  ) as string[];
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it("runs Tern with the Node flags and malloc settings that npm start and spawned processes use", () => {
    const entrypoint = JSON.parse(instructions.match(/^ENTRYPOINT (\[.*\])$/m)?.[1] ?? "[]") as string[];
    expect(entrypoint).toEqual(["node", ...NODE_FLAGS, "dist/bin/tern.js"]);
    const env = instructions.match(/^ENV (.*)$/m)?.[1]?.split(/\s+/) ?? [];
    expect(env).toContain(`GLIBC_TUNABLES=${MALLOC_TUNABLES}`);
    const scripts = (
      JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.start).toBe(
      `GLIBC_TUNABLES=\${GLIBC_TUNABLES:-${MALLOC_TUNABLES}} exec node ${NODE_FLAGS.join(" ")} dist/bin/tern.js serve`,
    );
  });

  it("keeps /data in a volume, declared once the directory is node's", () => {
    const chown = finalStage.indexOf("chown node:node /data");
    const volume = finalStage.search(/^VOLUME \/data$/m);
    expect(chown).toBeGreaterThan(-1);
    expect(volume).toBeGreaterThan(chown);
  });

  it("checks health with Node's fetch of /readyz: the slim image has no curl", () => {
    expect(healthcheck.slice(0, 2)).toEqual(["node", "-e"]);
    expect(healthcheck[2]).toContain("/readyz");
    const commands = finalStage.split("\n").filter((l) => !l.startsWith("#"));
    expect(commands.join("\n")).not.toMatch(/\b(curl|wget)\b/);
    // The compose file's serve runs the same check; worker and migrate serve no HTTP.
    const serveTest = block("serve").match(/^\s+test: (\[.*\])$/m)?.[1];
    expect(JSON.parse(serveTest ?? "[]")).toEqual(["CMD", ...healthcheck]);
    expect(block("x-tern")).toMatch(/^ {2}healthcheck:\n {4}disable: true$/m);
    for (const name of ["worker", "migrate"]) {
      expect(block(name)).toContain("<<: *tern");
      expect(block(name)).not.toContain("healthcheck");
    }
  });

  it("whose command exits 0 for a serve that is ready and 1 when none answers", async () => {
    const port = new URL(stack.tern.url).port;
    const script = healthcheck[2] ?? "";
    // As the image runs it: TERN_HOST 0.0.0.0 (the default), so it asks loopback.
    expect(await runNode(script, [], { TERN_PORT: port, TERN_HOST: "0.0.0.0" })).toBe(0);
    expect(await runNode(script, [], { TERN_PORT: port, TERN_HOST: "127.0.0.1" })).toBe(0);
    expect(await runNode(script, [], { TERN_PORT: String(await closedPort()), TERN_HOST: "" })).toBe(1);
  });

  it("gives Docker's stop longer than a process's own shutdown deadline", () => {
    const periods = [...compose.matchAll(/stop_grace_period: (\d+)s/g)].map((m) => Number(m[1]) * 1000);
    expect(periods.length).toBeGreaterThan(0);
    for (const ms of periods) expect(ms).toBeGreaterThan(SHUTDOWN_DEADLINE_MS);
    expect(block("x-tern")).toMatch(/stop_grace_period/);
  });

  it("backs SQLite up with a command the image can run (no sqlite3 there), while Tern writes", async () => {
    const scripts = [...deployment.matchAll(/node -e '([^']+)' (\S+) (\S+)/g)];
    // Outside Docker and through `docker exec`: the same script.
    expect(scripts.map((m) => m[2])).toEqual([".tern/tern.db", "/data/tern.db"]);
    expect(new Set(scripts.map((m) => m[1])).size).toBe(1);
    const dir = mkdtempSync(path.join(tmpdir(), "tern-backup-"));
    try {
      const copy = path.join(dir, "tern-backup.db");
      // A customer's message stored while the copy is taken.
      const played = postWebhook(
        stack.setup.webhookUrl,
        buildTextWebhook({ from: "15551230077", text: "Hi" }),
        stack.sandbox.wa.config.appSecret,
      );
      expect(await runNode(scripts[0]?.[1] ?? "", [stack.tern.dataDir.databasePath, copy])).toBe(0);
      expect((await played).status).toBe(200);
      expect(statSync(copy).mode & 0o777).toBe(0o600);
      const db = new BetterSqlite3(copy, { readonly: true });
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
        const versions = db.prepare("SELECT count(*) AS n FROM schema_migrations").get() as { n: number };
        expect(versions.n).toBe(migrations.length);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
