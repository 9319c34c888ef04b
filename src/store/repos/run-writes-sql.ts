import { type OnConflictBuilder, type QueryCreator, sql } from "kysely";
import type { Database } from "../database.js";
import type { Param } from "../db.js";
import { markProcessedQuery } from "./inbox-repo.js";

/**
 * The statements that write a run's progress (run-repo.ts), as builders: the compare-and-set
 * advance and its step record, apart or as one PostgreSQL statement (a data-modifying WITH, which
 * SQLite has not), and a new run stored with the message it consumes.
 */

/** A run's compare-and-set advance (`runs.update`, and the first half of `advanceAndSaveStep`). */
export const advanceRun = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .updateTable("runs")
    .set({
      status: p("status"),
      state_json: p("state"),
      // The state says which version it runs on: a run moved to a new version at publish
      // that a worker then advanced from its old state goes back to that old version.
      flow_version: p("flowVersion"),
      timeout_at: p("timeoutAt"),
      visits: p("visits"),
      updated_at: p("now"),
    })
    .where("id", "=", p("id"))
    // Compare-and-set: a run ended or failed elsewhere while a step was in memory stays so, and a
    // run advanced elsewhere meanwhile keeps its progress (`visits` only grows): a snapshot behind
    // it comes from a process presumed dead (frozen past its heartbeat) that resumed, and written
    // it rewound the run, whose next visits took effect keys already used, their sends never left.
    .where(sql<boolean>`status in ('waiting', 'running')`)
    .where(sql<boolean>`visits <= cast(${p("visits")} as integer)`);

/** The run's compare-and-set and its step record as one statement (PostgreSQL's data-modifying WITH). */
export const advanceAndSaveStep = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .with("advanced", (db) => advanceRun(db, p).returning("id"))
    .insertInto("run_steps")
    .columns(STEP_COLUMNS)
    .expression((eb) =>
      eb.selectFrom("advanced").select([
        "advanced.id as run_id",
        sql<number>`cast(${p("visit")} as integer)`.as("visit"),
        sql<string>`cast(${p("stepId")} as text)`.as("step_id"),
        sql<string>`cast(${p("stepType")} as text)`.as("step_type"),
        // "status" is the run's in this statement: the step's has its own name.
        sql<string>`cast(${p("stepStatus")} as text)`.as("status"),
        sql<string>`cast(${p("input")} as text)`.as("input_json"),
        sql<string>`cast(${p("output")} as text)`.as("output_json"),
        sql<string>`cast(${p("error")} as text)`.as("error_json"),
        sql<string>`cast(${p("next")} as text)`.as("next"),
        sql<number>`cast(${p("startedAt")} as bigint)`.as("started_at"),
        sql<number>`cast(${p("endedAt")} as bigint)`.as("ended_at"),
      ]),
    )
    .onConflict(onStepConflict);

export const STEP_COLUMNS = [
  "run_id",
  "visit",
  "step_id",
  "step_type",
  "status",
  "input_json",
  "output_json",
  "error_json",
  "next",
  "started_at",
  "ended_at",
] as const;

export const stepValues = (p: Param) => ({
  run_id: p("runId"),
  visit: p("visit"),
  step_id: p("stepId"),
  step_type: p("stepType"),
  status: p("status"),
  input_json: p("input"),
  output_json: p("output"),
  error_json: p("error"),
  next: p("next"),
  started_at: p("startedAt"),
  ended_at: p("endedAt"),
});

// A step visited again (a replay) has its record rewritten.
export const onStepConflict = (oc: OnConflictBuilder<Database, "run_steps">) =>
  oc.columns(["run_id", "visit"]).doUpdateSet((eb) => ({
    status: eb.ref("excluded.status"),
    input_json: eb.ref("excluded.input_json"),
    output_json: eb.ref("excluded.output_json"),
    error_json: eb.ref("excluded.error_json"),
    next: eb.ref("excluded.next"),
    ended_at: eb.ref("excluded.ended_at"),
  }));

/**
 * A message marked processed and the run it starts (PostgreSQL): the run is inserted only if the
 * message was still unprocessed. `id` is the inbox row's (markProcessedQuery), `runId` the run's.
 */
export const insertRunConsuming = (qc: QueryCreator<Database>, p: Param) =>
  qc
    .with("consumed", (db) => markProcessedQuery(db, p).returning("id"))
    .insertInto("runs")
    .columns([
      "id",
      "flow_id",
      "flow_version",
      "channel_id",
      "contact_id",
      "conversation_key",
      "status",
      "state_json",
      "timeout_at",
      "visits",
      "created_at",
      "updated_at",
    ])
    .expression((eb) =>
      eb
        .selectFrom("consumed")
        .select([
          sql<string>`cast(${p("runId")} as text)`.as("id"),
          sql<string>`cast(${p("flowId")} as text)`.as("flow_id"),
          sql<number>`cast(${p("flowVersion")} as integer)`.as("flow_version"),
          sql<string>`cast(${p("channelId")} as text)`.as("channel_id"),
          sql<string>`cast(${p("contactId")} as text)`.as("contact_id"),
          sql<string>`cast(${p("conversationKey")} as text)`.as("conversation_key"),
          sql<string>`cast(${p("status")} as text)`.as("status"),
          sql<string>`cast(${p("state")} as text)`.as("state_json"),
          sql<number | null>`cast(${p("timeoutAt")} as bigint)`.as("timeout_at"),
          sql<number>`cast(${p("visits")} as integer)`.as("visits"),
          sql<number>`cast(${p("createdAt")} as bigint)`.as("created_at"),
          sql<number>`cast(${p("createdAt")} as bigint)`.as("updated_at"),
        ]),
    )
    .returning("id");
