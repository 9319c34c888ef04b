import type { LoadProblem } from "./load.js";
import type { CaseResult } from "./run-case.js";

/**
 * What `tern flows test` prints: one line per case (✓/✗ and its time), and under a failed case
 * where it diverged, the run's state then, and each difference as expected/actual.
 */

export function caseLine(result: CaseResult): string {
  const mark = result.passed ? "✓" : "✗";
  const lines = [`  ${mark} ${result.name} (${result.ms} ms)`];
  const failure = result.failure;
  if (!failure) return `${lines[0]}\n`;
  lines.push(`      at ${failure.where}`);
  if (failure.run) lines.push(`      run: ${failure.run}`);
  for (const mismatch of failure.mismatches) {
    lines.push(`        ${mismatch.path}`);
    lines.push(`          expected: ${mismatch.expected}`);
    lines.push(`          actual:   ${mismatch.actual}`);
  }
  return `${lines.join("\n")}\n`;
}

export function problemLines(problem: LoadProblem): string {
  const lines = [`${problem.file}: cannot be tested`, ...problem.problems.map((p) => `  ${p}`)];
  return `${lines.join("\n")}\n`;
}

export function summaryLine(counts: {
  flows: number;
  passed: number;
  failed: number;
  unreadable: number;
  ms: number;
}): string {
  const parts = [`${counts.passed} passed`];
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  if (counts.unreadable > 0)
    parts.push(`${counts.unreadable} file${counts.unreadable === 1 ? "" : "s"} could not be tested`);
  const cases = counts.passed + counts.failed;
  return `\n${counts.flows} flow${counts.flows === 1 ? "" : "s"}, ${cases} case${cases === 1 ? "" : "s"}: ${parts.join(", ")} (${(counts.ms / 1000).toFixed(1)} s)\n`;
}
