import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// Built into dist/web, which Tern serves at `/` (src/server/web-ui.ts). `npm run dev:web` proxies
// the API to a Tern started with `npm run dev`.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react(), precompress()],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // No inline scripts, so the page's Content-Security-Policy needs no 'unsafe-inline'.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: { proxy: { "/api": "http://127.0.0.1:3000" } },
});

/** Writes `.br` and `.gz` beside each JS and CSS file; Tern sends them to browsers that accept them. */
function precompress(): Plugin {
  return {
    name: "tern-precompress",
    apply: "build",
    async writeBundle(options, bundle) {
      const dir = options.dir ?? "";
      const files = Object.keys(bundle).filter((f) => /\.(js|css)$/.test(f));
      await Promise.all(
        files.map(async (file) => {
          const full = path.join(dir, file);
          const bytes = await readFile(full);
          await writeFile(`${full}.gz`, gzipSync(bytes, { level: 9 }));
          await writeFile(
            `${full}.br`,
            brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
          );
        }),
      );
    },
  };
}
