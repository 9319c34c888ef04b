import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `npm run build:web`: type-checks the browser UI and builds it with Vite into dist/web, unless
 * dist/web was built from these same inputs. `npm start` builds before every start, and these two
 * steps took 12 of its 15 seconds when nothing had changed. Vite has no incremental build, so the
 * inputs' digest (every file under web/, and the lockfile that fixes Vite's and React's versions)
 * is kept next to the output (not in it: Tern serves dist/web), written only after a build that
 * succeeded. `--force` builds anyway.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = path.join(root, "dist", "web");
const stampFile = path.join(root, "dist", ".web-inputs.sha256");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" ? [] : filesUnder(full);
      return entry.isFile() ? [full] : [];
    })
    .sort();
}

function inputsDigest(): string {
  const hash = createHash("sha256");
  for (const file of [...filesUnder(path.join(root, "web")), path.join(root, "package-lock.json")]) {
    hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/** The built page and every asset it names are there (a folder emptied by hand is built again). */
function outputPresent(): boolean {
  const page = path.join(outDir, "index.html");
  if (!existsSync(page)) return false;
  const assets = readFileSync(page, "utf8").match(/\/assets\/[^"']+/g) ?? [];
  return assets.length > 0 && assets.every((asset) => existsSync(path.join(outDir, asset)));
}

const digest = inputsDigest();
const upToDate =
  !process.argv.includes("--force") &&
  existsSync(stampFile) &&
  readFileSync(stampFile, "utf8") === digest &&
  outputPresent();

if (!upToDate) {
  const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
  const run = (command: string, args: string[]) => {
    const { status, error } = spawnSync(bin(command), args, { cwd: root, stdio: "inherit" });
    if (error) throw error;
    // The tool printed what failed; its exit code is the build's.
    if (status !== 0) process.exit(status ?? 1);
  };
  run("tsc", ["-p", "web/tsconfig.json"]);
  run("vite", ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"]);
  writeFileSync(stampFile, digest);
}
