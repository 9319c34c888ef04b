/**
 * The field an author most likely meant: the API name or label nearest to what they typed
 * (case, spaces and a missing `__c` ignored), when it is near enough to be a useful hint.
 */
export function closestName(
  typed: string,
  names: ReadonlyArray<string>,
  labels: ReadonlyArray<{ name: string; label: string }> = [],
): string | null {
  const wanted = squash(typed);
  let best: { name: string; distance: number } | null = null;
  const consider = (candidate: string, name: string) => {
    const distance = editDistance(wanted, squash(candidate));
    if (!best || distance < best.distance) best = { name, distance };
  };
  for (const name of names) consider(name, name);
  for (const { name, label } of labels) consider(label, name);
  const found = best as { name: string; distance: number } | null;
  if (!found) return null;
  return found.distance <= Math.max(2, Math.floor(wanted.length / 3)) ? found.name : null;
}

function squash(value: string): string {
  return value
    .toLowerCase()
    .replace(/__c$/, "")
    .replace(/[^a-z0-9]/g, "");
}

/** Levenshtein distance; names are short (≤ 80 chars), so the quadratic table is fine. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
