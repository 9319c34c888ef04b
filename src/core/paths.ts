import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The directory holding Tern's package.json, from source (tsx) or from dist/ alike. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("Cannot find Tern's package.json");
    dir = parent;
  }
  return dir;
}

/** The built `tern` command (`npm run build`: one bundle, scripts/bundle-cli.mjs), which tests and the bench start. */
export function builtCli(): string {
  return path.join(packageRoot(), "dist", "bin", "tern.js");
}

/** Tern's version, from its package.json (`tern --version`). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string })
    .version;
}

export function templatePath(name: string): string {
  return path.join(templatesDir(), name);
}

/** The shipped flow templates (`templates/*.json`). */
export function templatesDir(): string {
  return path.join(packageRoot(), "templates");
}
