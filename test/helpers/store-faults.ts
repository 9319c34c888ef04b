import type { Repos, Store } from "../../src/store/store.js";

/**
 * Makes one repository method throw inside `store.write`, on either dialect: SQLite hands a
 * write the store's own repositories, PostgreSQL a set bound to the write's transaction, so
 * replacing the method on `store.<repo>` would miss the latter. `once`: only the first call
 * throws. `restore()` puts the store's `write` back.
 */
export function faultInWrites<R extends keyof Repos>(
  store: Store,
  repo: R,
  method: keyof Repos[R] & string,
  fault: () => Error,
  options: { once?: boolean } = {},
): { calls(): number; restore(): void } {
  const write = store.write;
  let calls = 0;
  const broken = (tx: Repos): Repos => {
    if (options.once && calls > 0) return tx;
    // Every other repository through the original set (PostgreSQL's are getters on its prototype).
    const faulty = {
      ...tx[repo],
      [method]: () => {
        calls++;
        throw fault();
      },
    };
    return Object.create(tx, { [repo]: { value: faulty, enumerable: true } }) as Repos;
  };
  store.write = ((fn, writeOptions) => write((tx) => fn(broken(tx)), writeOptions)) as Store["write"];
  return {
    calls: () => calls,
    restore() {
      store.write = write;
    },
  };
}
