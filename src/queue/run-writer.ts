import type { WriteOptions } from "../store/db.js";
import type { Repos, Store } from "../store/store.js";

/**
 * One run's writes (step persists, effect intents, settles) in the order they were requested, on
 * any store: a write's transaction starts only after the one before it resolved. SQLite's single
 * writer used to give this order for free; on a pool of connections (PostgreSQL) two writes in
 * flight could commit in either order, so an effect's intent could commit before the state that
 * led to it.
 *
 * Writes requested while the previous one is still pending, or before its transaction has begun,
 * join one transaction and run in request order in it (a "group"): a persist and the settle before
 * it commit together, as they did in SQLite's group commit, instead of paying a commit (and an
 * event-loop turn) each. A group holds writes of one durability only: a durable intent never waits
 * for, nor is made durable by, replayable progress, and run progress stays `durable: false`. The
 * writes of a group share its fate: if one throws, the group rolls back and each of them rejects.
 *
 * A replayable group is also a grouped store write (`group: true`): on PostgreSQL the progress of
 * many runs at one moment shares a transaction and its COMMIT (store/postgres/README.md), two
 * round trips a message fewer under load. Durable intents stay in transactions of their own; an
 * intent that is one statement (`single`) is a group of its own, run without a transaction there.
 *
 * A settle (`defersOnly`: on PostgreSQL it only defers its statement) waits a turn for the write
 * after it; when that is the step's persist of one statement (`single`), the two run as one
 * statement without a transaction (store/db.ts `defer`): one round trip where BEGIN, the two
 * statements and COMMIT took four.
 *
 * Once a group failed, every later write of the run fails with its error without running. A
 * later persist would otherwise commit the run's state over the lost one, but not what only the
 * lost one held (the inbox row a reply consumed, a step record): an outside audit reset the
 * database connections and a run completed with its answer still pending, which then started a
 * second run. Failed, the turn is tried again from what did commit.
 */
export interface RunWriter {
  write: Store["write"];
  /** Resolves once every write requested so far has settled (never rejects). */
  idle(): Promise<void>;
}

export function createRunWriter(store: Pick<Store, "write">): RunWriter {
  interface Item {
    fn(tx: Repos): Promise<unknown>;
    resolve(value: unknown): void;
    reject(error: unknown): void;
  }
  interface Group {
    isDurable: boolean;
    /**
     * One write of one statement (`single`), after nothing or only `defersOnly` writes (whose
     * deferred statements it carries): no transaction on PostgreSQL.
     */
    isSingle: boolean;
    /** Every write so far only defers (a settle): a `single` write may still join. */
    defersOnly: boolean;
    items: Item[];
    /** Accepts more writes until its transaction starts running them. */
    isOpen: boolean;
    /** Ends the wait of a group of settles for a write to carry them (`start`). */
    release?(): void;
  }
  let open: Group | null = null;
  let tail: Promise<void> = Promise.resolve();
  let failed: { error: unknown } | undefined;

  const start = (group: Group): void => {
    // Settles alone wait a turn for the persist that follows an effect, which then carries them:
    // one statement for both on PostgreSQL, where they would otherwise take a transaction.
    const carrier = group.defersOnly
      ? new Promise<void>((resolve) => {
          const timer = setImmediate(resolve);
          group.release = () => {
            clearImmediate(timer);
            resolve();
          };
        })
      : undefined;
    tail = tail
      .then(() => carrier)
      .then(() => {
        if (failed) throw failed.error;
        const { isDurable, isSingle } = group;
        return store.write(
          async (tx) => {
            group.isOpen = false;
            const values: unknown[] = [];
            for (const item of group.items) values.push(await item.fn(tx));
            return values;
          },
          { durable: isDurable, group: !isDurable && !isSingle, single: isSingle },
        );
      })
      .then(
        (values) => {
          group.isOpen = false;
          group.items.forEach((item, i) => {
            item.resolve(values[i]);
          });
        },
        (error: unknown) => {
          group.isOpen = false;
          failed ??= { error };
          for (const item of group.items) item.reject(error);
        },
      );
  };

  const write = <T>(fn: (tx: Repos) => Promise<T>, options?: WriteOptions) =>
    new Promise<T>((resolve, reject) => {
      const isDurable = options?.durable !== false;
      const isSingle = options?.single === true;
      const defersOnly = options?.defersOnly === true && !isSingle;
      const item: Item = { fn, resolve: resolve as (value: unknown) => void, reject };
      if (open?.isOpen && open.isDurable === isDurable && (!isSingle || open.defersOnly)) {
        open.items.push(item);
        // A single statement closes its group: nothing may join it after.
        if (isSingle) {
          open.isSingle = true;
          open.isOpen = false;
        }
        if (!defersOnly) {
          open.defersOnly = false;
          open.release?.();
        }
        return;
      }
      // Settles waiting for a carrier that is not this write: they go now, before it.
      open?.release?.();
      open = { isDurable, isSingle, defersOnly, items: [item], isOpen: !isSingle };
      start(open);
    });
  return { write, idle: () => tail };
}
