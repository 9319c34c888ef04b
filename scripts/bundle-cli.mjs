// Bundles the compiled CLI (dist/src/cli.js, from tsc) into dist/bin/tern.js and its chunks.
//
// Why: Node resolves, reads and links every ES module on its own. Tern's start loaded about 900 of
// them (263 of Kysely's alone), which cost each process about a second of CPU before it could
// listen (every `tern` command, every process a test or a deployment starts) and ~10 MB of memory.
// One bundle loads in a fraction of that. Dynamic imports stay separate chunks (`splitting`), so
// what only some processes reach (PostgreSQL, the sandbox, the API docs) still loads on first use.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names carry a hash: last build's would pile up beside the new ones.
rmSync("dist/bin", { recursive: true, force: true });
await build({
  entryPoints: { tern: "dist/src/cli.js" },
  outdir: "dist/bin",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Native addons, optional native drivers, and packages that read files of their own at run time.
  // graphile-worker stays itself: the process guard knows its unawaited rejections by the file
  // paths in their stacks (src/server/process-guard.ts); pg with it, so both share one driver.
  // Only PostgreSQL deployments load those two, on first use.
  external: [
    "better-sqlite3",
    "pg-native",
    "typescript",
    "@fastify/swagger",
    "@fastify/swagger-ui",
    "graphile-worker",
    "pg",
  ],
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __ternCreateRequire } from 'node:module'; const require = __ternCreateRequire(import.meta.url);",
  },
  // Source text stays in V8's heap for as long as the process runs (lazy compilation reads it
  // back). Unminified, the comments esbuild keeps held non-ASCII characters, which turned whole
  // chunks into two-byte strings: ~9 MB of an idle server's heap. Whitespace and syntax only:
  // identifiers keep their names, so stack traces still name the functions; the linked source
  // maps give file and line under NODE_OPTIONS=--enable-source-maps.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  sourcemap: "linked",
  logLevel: "warning",
});
chmodSync("dist/bin/tern.js", 0o755);
