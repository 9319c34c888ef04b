import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded on its first use, synchronously (an `import()` would make every caller
 * async). For packages only some deployments reach — WeChat's XML parser, cron for schedule
 * triggers — so they stay out of every other process's heap (issue 6: nothing loaded at start
 * that the hot path does not need).
 */
export function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
