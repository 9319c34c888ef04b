import { type QueryCreator, sql } from "kysely";
import type { Database } from "../database.js";
import type { Executor, Param } from "../db.js";
import { type PublishedFlow, publishedFlowsQuery, toPublishedFlow } from "./flow-repo.js";
import { type InboxItem, toItem } from "./inbox-repo.js";
import { type RunRow, toRun } from "./run-repo.js";
import { DB_NOW_MS, isHeld } from "./turn-holders.js";

export { TURN_STALE_MS } from "./turn-holders.js";

/** What `takeAndPeek` read with the turn: the active run and the oldest pending row, if any. */
export interface TurnPeek {
  run: RunRow | undefined;
  item: InboxItem | undefined;
  /** With no active run (`takeAndPeek`): the published flows its message may start (the router's read). */
  published?: PublishedFlow[];
}

/** `takeAndPeek`'s answer: `peek` is null where nothing was read (SQLite has no turns). */
export type TakeOutcome = { taken: false } | { taken: true; peek: TurnPeek | null };

/** Takes or renews the turn of `key` for `holder`: a row returned when it is theirs now. */
const takeTurn = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .insertInto("conversation_turns")
    .values({ conversation_key: p("key"), holder: p("holder"), taken_at: DB_NOW_MS })
    .onConflict((oc) =>
      oc
        .column("conversation_key")
        .doUpdateSet({
          holder: (eb) => eb.ref("excluded.holder"),
          taken_at: (eb) => eb.ref("excluded.taken_at"),
          // A renewal keeps a knock; a new holder starts without one.
          wanted: sql<boolean>`conversation_turns.holder = excluded.holder and conversation_turns.wanted`,
        })
        .where((eb) =>
          eb.or([eb("conversation_turns.holder", "=", eb.ref("excluded.holder")), eb.not(isHeld(eb))]),
        ),
    )
    .returning("holder");

/** The conversation's active run (`runs.activeFor`'s row), as a subquery. */
const activeRun = (p: Param) =>
  sql`select * from runs where conversation_key = ${p("key")} and status in ('waiting', 'running')
    order by created_at desc limit 1`;
/** That run as JSON, for a statement that peeks. */
const activeRunJson = (p: Param) =>
  sql<string | null>`(select row_to_json(r)::text from (${activeRun(p)}) r)`;
/** The conversation's oldest pending inbox row, as JSON (`inbox.nextPending`'s row). */
const firstPendingJson = (p: Param) =>
  sql<string | null>`(select row_to_json(i)::text from (select * from inbox
    where conversation_key = ${p("key")} and processed_at is null
    order by id limit 1) i)`;
/** The published flows as JSON (`flows.published`'s rows, in order), read only when no run is active. */
const publishedJsonIfNoRun = (q: QueryCreator<Database>, p: Param) =>
  sql<string | null>`(select case when not exists (${activeRun(p)})
    then (select coalesce(json_agg(pf order by pf.published_at desc, pf.id), '[]')::text
      from (${publishedFlowsQuery(q)}) pf) end)`;
const toPeek = (row: {
  run_json: string | null;
  item_json: string | null;
  published_json?: string | null;
}): TurnPeek => ({
  run: row.run_json ? toRun(JSON.parse(row.run_json)) : undefined,
  item: row.item_json ? toItem(JSON.parse(row.item_json)) : undefined,
  ...(row.published_json ? { published: (JSON.parse(row.published_json) as []).map(toPublishedFlow) } : {}),
});

/**
 * A conversation's turn (PostgreSQL): the job holding it is the only one handling the
 * conversation, in any process. A row rather than a session advisory lock: a held lock would pin
 * a connection per running job (a few workers exhausted `max_connections`) and does not survive
 * a pooler. A turn is free when nobody holds it, when its holder's runner is gone from
 * `job_workers` (dead, reaped), or when it went unrenewed for `TURN_STALE_MS`. On SQLite
 * (one process, lanes) every call succeeds and stores nothing.
 */
export function createTurnRepo(exec: Executor) {
  const isPostgres = exec.dialect === "postgres";
  const { q } = exec;
  return {
    /** Takes or renews the turn for `holder` (`<runner id>/<token>`); false while another holds it. */
    async take(key: string, holder: string): Promise<boolean> {
      if (!isPostgres) return true;
      const row = await exec.statement("turns.take", (p) => takeTurn(q, p)).get({ key, holder });
      return row !== undefined;
    },
    /**
     * `take`, and in the same statement (one round trip, not three) what a job reads first: the
     * conversation's active run and its oldest pending inbox row, as of the statement's start.
     */
    async takeAndPeek(key: string, holder: string): Promise<TakeOutcome> {
      if (!isPostgres) return { taken: true, peek: null };
      const row = await exec
        .statement("turns.takeAndPeek", (p) =>
          q
            .with("taken", (db) => takeTurn(db, p))
            .selectFrom("taken")
            .select([
              activeRunJson(p).as("run_json"),
              firstPendingJson(p).as("item_json"),
              // A new conversation's first message is routed next: no read of its own (PostgreSQL).
              publishedJsonIfNoRun(q, p).as("published_json"),
            ]),
        )
        .get({ key, holder });
      if (!row) return { taken: false };
      return { taken: true, peek: toPeek(row) };
    },
    /**
     * A job found the turn taken: asks the holder to look for work again after releasing it.
     * False when nobody holds the turn any more (it was released in between: take it instead).
     */
    async knock(key: string): Promise<boolean> {
      if (!isPostgres) return false;
      const result = await exec
        .statement("turns.knock", (p) =>
          q.updateTable("conversation_turns").set({ wanted: true }).where("conversation_key", "=", p("key")),
        )
        .run({ key });
      return result.changes > 0;
    },
    /** Gives the turn up; true when a job knocked while it was held (`knock`). */
    async release(key: string, holder: string): Promise<boolean> {
      if (!isPostgres) return false;
      const row = await exec
        .statement("turns.release", (p) =>
          q
            .deleteFrom("conversation_turns")
            .where("conversation_key", "=", p("key"))
            .where("holder", "=", p("holder"))
            .returning("wanted"),
        )
        .get({ key, holder });
      return row?.wanted === true;
    },
    /**
     * Gives the turn up only if the conversation has no pending inbox row, in one statement (the
     * drain's last look and its release were two). `released: false` when a row is pending or the
     * turn is not `holder`'s; `wanted` as for `release`; `quieted`: a knock was cleared (the
     * holder goes on to a pending row, and must still hand the conversation on if it fails).
     * `peek`, when a row is pending: the active run and that row, read by the same statement, so
     * the holder goes on without reading them again (two round trips per message held in a turn).
     */
    async releaseIfIdle(
      key: string,
      holder: string,
    ): Promise<{ released: boolean; wanted: boolean; quieted: boolean; peek: TurnPeek | null }> {
      if (!isPostgres) return { released: false, wanted: false, quieted: false, peek: null };
      // With a row pending the holder goes on, and its knock is cleared: the holder looks again
      // after that row anyway, with a later view (its next call here), so a knock now would only
      // cost a look for work after the release that finds nothing. A knock that this statement
      // waited for is cleared too; its message is seen by that later view.
      const row = await exec
        .statement("turns.releaseIfIdle", (p) => ({
          compile: () =>
            sql<{
              released: boolean;
              wanted: boolean | null;
              quieted: boolean;
              is_pending: boolean;
              run_json: string | null;
              item_json: string | null;
            }>`with pending as (
              select exists(select 1 from inbox where conversation_key = ${p("key")}
                and processed_at is null) as is_pending),
            released as (delete from conversation_turns
              where conversation_key = ${p("key")} and holder = ${p("holder")}
                and not (select is_pending from pending)
              returning wanted),
            quieted as (update conversation_turns set wanted = false
              where conversation_key = ${p("key")} and holder = ${p("holder")} and wanted
                and (select is_pending from pending)
              returning conversation_key)
            select exists(select 1 from released) as released, (select wanted from released) as wanted,
              exists(select 1 from quieted) as quieted, (select is_pending from pending) as is_pending,
              case when (select is_pending from pending) then ${activeRunJson(p)} end as run_json,
              case when (select is_pending from pending) then ${firstPendingJson(p)} end as item_json`.compile(
              q,
            ),
        }))
        .get({ key, holder });
      return {
        released: row?.released === true,
        wanted: row?.wanted === true,
        quieted: row?.quieted === true,
        peek: row?.is_pending ? toPeek(row) : null,
      };
    },
  };
}
export type TurnRepo = ReturnType<typeof createTurnRepo>;
