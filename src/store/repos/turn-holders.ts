import { type Expression, type ExpressionBuilder, type QueryCreator, sql } from "kysely";
import type { Database } from "../database.js";

/** A turn not renewed for this long is free whoever holds it (a release lost in a database crash). */
export const TURN_STALE_MS = 5 * 60_000;

// Database clock: worker hosts' clocks may differ.
export const DB_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * The turn's holder still holds it: renewed within `TURN_STALE_MS` by a runner that is alive
 * (in `job_workers`). Else the turn is free, whoever's name it bears.
 */
export const isHeld = (eb: ExpressionBuilder<Database, "conversation_turns">) =>
  eb.and([
    eb("conversation_turns.taken_at", ">=", sql<number>`${DB_NOW_MS} - ${TURN_STALE_MS}`),
    eb.exists(
      eb
        .selectFrom("job_workers")
        .select("worker_id")
        .whereRef("job_workers.worker_id", "=", sql<string>`split_part(conversation_turns.holder, '/', 1)`),
    ),
  ]);

/**
 * PostgreSQL, in the statement that stores new messages (a data-modifying WITH): knocks on the
 * turns of the conversations in `keys` (a subquery) that a live job holds; returns their keys.
 * Such a conversation needs no job: its holder looks for work again when it releases the turn
 * (`knock`), and sees these messages, since its release waits for this transaction's row lock and
 * so for its commit. A job enqueued instead would only find the turn taken and knock (four round
 * trips and a job for nothing, the usual case when a customer answers while the reply's
 * bookkeeping is still being written).
 */
export const knockHeldTurns = (db: QueryCreator<Database>, keys: Expression<string>) =>
  db
    .updateTable("conversation_turns")
    .set({ wanted: true })
    .where("conversation_key", "in", (eb) =>
      eb
        .selectFrom("conversation_turns as t")
        .select("t.conversation_key")
        .where("t.conversation_key", "in", keys)
        .orderBy("t.conversation_key")
        // A turn locked by another (its holder releasing it, another group's knock) gets a job
        // instead, as before knocks: nothing waits on it, so no two groups can deadlock.
        .forUpdate()
        .skipLocked(),
    )
    .where(isHeld)
    .returning("conversation_key");
