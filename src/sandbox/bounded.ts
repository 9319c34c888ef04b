/**
 * What a simulator remembers is bounded: `tern serve` keeps the sandbox's simulators running for
 * as long as the process runs, and a log of every send (or a key per message or customer) grew
 * with each message until the process ran out of heap (`--max-old-space-size=512`). Each log keeps
 * the newest `SIMULATOR_MEMORY` entries: far more than a Try it conversation or a test looks at.
 */
export const SIMULATOR_MEMORY = 10_000;
/** The bound in force: tests lower it to reach it in a few hundred requests (and restore it). */
export const simulatorMemory = { max: SIMULATOR_MEMORY };

/**
 * Drops the oldest items of `items` (oldest first) once it holds more than `max`, a tenth of
 * `max` beyond it at a time: one splice per thousand pushes instead of a shift per push.
 */
export function keepNewest<T>(items: T[], max = simulatorMemory.max): void {
  if (items.length > max) items.splice(0, items.length - max + Math.ceil(max / 10));
}

/** Sets `key` as the newest entry of `map`, forgetting the least recently set beyond `max`. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, max = simulatorMemory.max): void {
  map.delete(key);
  map.set(key, value);
  forgetOldest(map, max);
}

/** Adds `key` as the newest member of `set`, forgetting the least recently added beyond `max`. */
export function rememberKey<K>(set: Set<K>, key: K, max = simulatorMemory.max): void {
  set.delete(key);
  set.add(key);
  forgetOldest(set, max);
}

function forgetOldest<K>(
  collection: { size: number; keys(): IterableIterator<K>; delete(key: K): boolean },
  max: number,
): void {
  for (const key of collection.keys()) {
    if (collection.size <= max) return;
    collection.delete(key);
  }
}
