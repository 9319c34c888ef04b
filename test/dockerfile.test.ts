import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../src/core/paths.js";

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
