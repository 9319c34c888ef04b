import type { SqliteStore } from "../sqlite.js";

/**
 * The outbox of side effects, keyed by run + step visit + call. `in_flight` is written (and
 * committed) before the effect starts; `done` with its result after. A key found `in_flight`
 * at recovery means the process died mid-call: the caller must reconcile, not blindly redo.
 */
export interface EffectRow {
  key: string;
  kind: string;
  status: "in_flight" | "done" | "failed";
  result: unknown;
  error: { code: string; message: string } | null;
  attempts: number;
  intentAt: number;
}

export function createEffectRepo(store: SqliteStore) {
  const { q } = store;
  return {
    get(key: string): EffectRow | undefined {
      const r = store.get(q.selectFrom("effects").selectAll().where("key", "=", key));
      return r
        ? {
            key: r.key,
            kind: r.kind,
            status: r.status,
            result: r.result_json ? JSON.parse(r.result_json) : null,
            error: r.error_json ? JSON.parse(r.error_json) : null,
            attempts: r.attempts,
            intentAt: r.intent_at,
          }
        : undefined;
    },
    /** Inside `store.write`: records the intent (or a new attempt) before the call. */
    begin(key: string, kind: string, now: number): void {
      store.run(
        q
          .insertInto("effects")
          .values({
            key,
            kind,
            status: "in_flight",
            result_json: null,
            error_json: null,
            attempts: 1,
            intent_at: now,
            done_at: null,
          })
          .onConflict((oc) =>
            oc
              .column("key")
              .doUpdateSet((eb) => ({ attempts: eb("effects.attempts", "+", 1), status: "in_flight" })),
          ),
      );
    },
    /** Inside `store.write`. */
    finish(key: string, result: unknown, now: number): void {
      store.run(
        q
          .updateTable("effects")
          .set({ status: "done", result_json: JSON.stringify(result ?? null), done_at: now })
          .where("key", "=", key),
      );
    },
    /** Inside `store.write`: a definitive failure (the effect did not happen). */
    fail(key: string, error: { code: string; message: string }, now: number): void {
      store.run(
        q
          .updateTable("effects")
          .set({ status: "failed", error_json: JSON.stringify(error), done_at: now })
          .where("key", "=", key),
      );
    },
  };
}
export type EffectRepo = ReturnType<typeof createEffectRepo>;
