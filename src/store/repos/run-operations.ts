import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import type { EndReason, RunState } from "../../flows/runtime.js";
import type { Database } from "../database.js";
import type { Dialect, Executor } from "../db.js";
import { type Readdress, readdressConversation } from "./conversation-readdress.js";
import { jsonbOf, setJsonFields } from "./json-fields.js";
import { closeRunLeftovers } from "./run-closing.js";
import { type RunRow, toRun } from "./run-repo.js";

/**
 * Runs, operated (`/api/v1/runs`): find waiting and failed runs by flow, step and age, end them one
 * by one or in bulk, retry a failed one from its failed step, and count each step's visits for a
 * funnel. Every change is a compare-and-set on the run's status, like the worker's own writes.
 */

export type ActiveStatus = "waiting" | "running";

export interface RunSearch {
  flowId?: string;
  flowVersion?: number;
  /** The step the run is on: the one it waits at or runs, or the one it failed at. */
  stepId?: string;
  status?: string;
  contactId?: string;
  channelId?: string;
  /** Only runs started at or after this time (ms). */
  createdFrom?: number;
  /** Only runs started before this time (ms). */
  createdBefore?: number;
  /** Only runs whose last change is at or before this time (ms): "waiting longer than …". */
  updatedBefore?: number;
}

/** A page position: the last run of the previous page (newest first). */
export interface RunCursor {
  createdAt: number;
  id: string;
}

export interface StepStats {
  stepId: string;
  stepType: string;
  /** Visits of the step (a step entered twice in one run counts twice). */
  entered: number;
  completed: number;
  /** The run was ended or expired while it waited on the step. */
  dropped: number;
  errored: number;
  /** Still waiting on the step (or running it). */
  active: number;
}

/** The step a run is on, as SQL: `cursor.stepId` while active, `error.stepId` once failed. */
function currentStep(dialect: Dialect): Expression<string | null> {
  if (dialect === "postgres")
    return sql<
      string | null
    >`coalesce(${jsonbOf("state_json")} #>> '{cursor,stepId}', ${jsonbOf("state_json")} #>> '{error,stepId}')`;
  return sql<
    string | null
  >`coalesce(json_extract(state_json, '$.cursor.stepId'), json_extract(state_json, '$.error.stepId'))`;
}

function filtered<O>(
  dialect: Dialect,
  query: SelectQueryBuilder<Database, "runs", O>,
  f: RunSearch,
): SelectQueryBuilder<Database, "runs", O> {
  let q = query;
  if (f.flowId) q = q.where("flow_id", "=", f.flowId);
  if (f.flowVersion !== undefined) q = q.where("flow_version", "=", f.flowVersion);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.contactId) q = q.where("contact_id", "=", f.contactId);
  if (f.channelId) q = q.where("channel_id", "=", f.channelId);
  if (f.createdFrom !== undefined) q = q.where("created_at", ">=", f.createdFrom);
  if (f.createdBefore !== undefined) q = q.where("created_at", "<", f.createdBefore);
  if (f.updatedBefore !== undefined) q = q.where("updated_at", "<=", f.updatedBefore);
  if (f.stepId) q = q.where(sql<SqlBool>`${currentStep(dialect)} = ${f.stepId}`);
  return q;
}

/** Why `run` ends now, on the step it waits at or runs. */
export function endReasonFor(
  run: { state: RunState },
  reason: { code: string; message: string },
  at: number,
): EndReason {
  return { ...reason, stepId: run.state.wait?.stepId ?? run.state.cursor?.stepId ?? null, at };
}

export function createRunOperations(exec: Executor) {
  const { q, dialect } = exec;

  /** Moves an active run to `ended` with a reason, and closes what it left open (run-closing.ts). */
  const endOne = async (id: string, reason: EndReason, now: number): Promise<boolean> => {
    const { changes } = await exec.run(
      q
        .updateTable("runs")
        .set({
          status: "ended",
          state_json: setJsonFields(dialect, "state_json", {
            status: "ended",
            cursor: null,
            wait: null,
            endReason: reason,
          }),
          timeout_at: null,
          updated_at: now,
        })
        .where("id", "=", id)
        .where(sql<SqlBool>`status in ('waiting', 'running')`),
    );
    if (changes === 0) return false;
    await closeRunLeftovers(exec, id, now);
    return true;
  };

  return {
    /** Inside `store.write`: the person is known by another address; their waiting run follows. */
    readdress: (r: Readdress) => readdressConversation(exec, r),
    /** Newest first, `limit` per page; `after` continues from the previous page's last run. */
    async search(f: RunSearch, limit: number, after?: RunCursor): Promise<RunRow[]> {
      let query = filtered(dialect, q.selectFrom("runs").selectAll(), f);
      if (after)
        query = query.where((eb) =>
          eb.or([
            eb("created_at", "<", after.createdAt),
            eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)]),
          ]),
        );
      const rows = await exec.all(query.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit));
      return rows.map(toRun);
    },

    /** Inside `store.write`: ends one active run; false when it is not active (or does not exist). */
    end: endOne,

    /** Inside `store.write`: ends at most `limit` active runs matching `f`; returns how many. */
    async endMany(f: RunSearch, limit: number, reason: Omit<EndReason, "stepId">): Promise<number> {
      const active = f.status ? [f.status] : ["waiting", "running"];
      const rows = await exec.all(
        filtered(dialect, q.selectFrom("runs").select(["id", "state_json"]), { ...f, status: undefined })
          .where(
            "status",
            "in",
            active.filter((s) => s === "waiting" || s === "running"),
          )
          .orderBy("created_at")
          .limit(limit),
      );
      let ended = 0;
      for (const row of rows) {
        const state = JSON.parse(row.state_json) as RunState;
        const stepId = state.wait?.stepId ?? state.cursor?.stepId ?? null;
        if (await endOne(row.id, { ...reason, stepId }, reason.at)) ended++;
      }
      return ended;
    },

    /**
     * Inside `store.write`: a failed run goes back to `running` with `state` (its failed step
     * again, a new visit), only while it is still failed and its conversation has no other active
     * run (that one would get the contact's replies). False otherwise.
     */
    async retry(id: string, conversationKey: string, state: RunState, now: number): Promise<boolean> {
      const { changes } = await exec.run(
        q
          .updateTable("runs")
          .set({
            status: "running",
            state_json: JSON.stringify(state),
            visits: state.visits,
            timeout_at: null,
            updated_at: now,
          })
          .where("id", "=", id)
          .where("status", "=", "failed")
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom("runs as other")
                  .select("other.id")
                  .where("other.conversation_key", "=", conversationKey)
                  .where(sql<SqlBool>`other.status in ('waiting', 'running')`),
              ),
            ),
          ),
      );
      return changes > 0;
    },

    /** Per step of a flow (one version, or all): visits entered, completed, dropped, errored. One grouped query. */
    async stepStats(flowId: string, flowVersion?: number): Promise<StepStats[]> {
      let query = q
        .selectFrom("run_steps as s")
        .innerJoin("runs as r", "r.id", "s.run_id")
        .where("r.flow_id", "=", flowId);
      if (flowVersion !== undefined) query = query.where("r.flow_version", "=", flowVersion);
      const isActiveRun = sql`r.status in ('waiting', 'running')`;
      const rows = await exec.all(
        query
          .select([
            "s.step_id as stepId",
            (eb) => eb.fn.max("s.step_type").as("stepType"),
            (eb) => eb.fn.countAll<number | string>().as("entered"),
            sql<number | string>`sum(case when s.status = 'completed' then 1 else 0 end)`.as("completed"),
            sql<number | string>`sum(case when s.status = 'failed' then 1 else 0 end)`.as("errored"),
            sql<
              number | string
            >`sum(case when s.status = 'dropped' or (s.status = 'waiting' and not ${isActiveRun}) then 1 else 0 end)`.as(
              "dropped",
            ),
            sql<number | string>`sum(case when s.status = 'waiting' and ${isActiveRun} then 1 else 0 end)`.as(
              "active",
            ),
          ])
          .groupBy("s.step_id")
          .orderBy("s.step_id"),
      );
      // PostgreSQL returns bigint sums as strings.
      return rows.map((r) => ({
        stepId: r.stepId,
        stepType: String(r.stepType),
        entered: Number(r.entered),
        completed: Number(r.completed),
        dropped: Number(r.dropped),
        errored: Number(r.errored),
        active: Number(r.active),
      }));
    },
  };
}
export type RunOperations = ReturnType<typeof createRunOperations>;
