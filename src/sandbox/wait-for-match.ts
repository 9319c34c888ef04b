/**
 * The simulators' "wait until a matching request arrived": resolves with the first item of
 * `items` matching `predicate`, now or when `waiters` are woken after a push; rejects after
 * `timeoutMs` with `what` and the count received.
 */
export function waitForMatch<T>(
  items: ReadonlyArray<T>,
  waiters: Set<() => void>,
  predicate: (item: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const found = items.find(predicate);
    if (found !== undefined) return resolve(found);
    const wake = () => {
      const match = items.find(predicate);
      if (match === undefined) return;
      clearTimeout(timer);
      waiters.delete(wake);
      resolve(match);
    };
    const timer = setTimeout(() => {
      waiters.delete(wake);
      reject(new Error(`${what}: nothing matching within ${timeoutMs} ms (${items.length} received)`));
    }, timeoutMs);
    waiters.add(wake);
  });
}
