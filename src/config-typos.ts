import { Config } from "./config.js";

/**
 * Variables that look like Tern's but that it does not read: a misspelt name (TERN_LOGLEVEL,
 * TERN_DATADIR) was ignored without a word, so the default applied — another data directory,
 * the sandbox on in production — and nothing said why.
 */

/** Read by Tern's other commands and tools, not by `Config`: never reported. */
const READ_ELSEWHERE = new Set([
  "TERN_URL", // the CLI's admin commands (cli/api-client.ts)
  "TERN_NODE_ARGS", // extra Node flags for spawned Tern processes (sandbox/tern-process.ts, bench)
]);
/** The test suite's own settings, inherited by the Tern processes it spawns. */
const SUITE_PREFIX = "TERN_TEST_";

export interface UnknownVariable {
  name: string;
  /** The setting it most likely meant, when one is close. */
  suggestion?: string;
}

/**
 * The one setting without the prefix. A misspelling of it (DATABSE_URL, DATABASE_URI) left Tern on
 * the SQLite file in the data directory, without a word, where PostgreSQL was meant.
 */
const UNPREFIXED = "DATABASE_URL";

function looksLikeUnprefixed(name: string): boolean {
  return name !== UNPREFIXED && editDistance(name.toUpperCase(), UNPREFIXED) <= 2;
}

export function unknownVariables(env: NodeJS.ProcessEnv): UnknownVariable[] {
  const known = Object.keys(Config.shape);
  return Object.keys(env)
    .filter((name) => (/^TERN_/i.test(name) && !known.includes(name)) || looksLikeUnprefixed(name))
    .filter((name) => !READ_ELSEWHERE.has(name) && !name.startsWith(SUITE_PREFIX))
    .sort()
    .map((name) => {
      const suggestion = closest(name, [...known, ...READ_ELSEWHERE]);
      return suggestion ? { name, suggestion } : { name };
    });
}

/** One line per unknown variable, for the start of `serve`, `worker` and `migrate`. */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): string[] {
  return unknownVariables(env).map(
    ({ name, suggestion }) =>
      `Warning: ${name} is not a Tern setting and is ignored${suggestion ? ` (did you mean ${suggestion}?)` : ""}. The settings are listed in the README's "Configuration".`,
  );
}

/** The known name nearest to `name`: same letters without underscores or case, or at most 2 edits away. */
function closest(name: string, candidates: string[]): string | undefined {
  const squash = (s: string) => s.replaceAll("_", "").toUpperCase();
  // TERN_DATABASE_URL for DATABASE_URL, the one setting without the prefix.
  const bare = name.replace(/^TERN_/i, "");
  const same = candidates.find((c) => squash(c) === squash(name) || squash(c) === squash(bare));
  if (same) return same;
  let best: { name: string; distance: number } | undefined;
  for (const c of candidates) {
    const distance = editDistance(name.toUpperCase(), c);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: c, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(
        (previous[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}
