import type { RunState, RunStatus, StepRecord } from "../../flows/runtime.js";
import type { SqliteStore } from "../sqlite.js";

/** Runs (their resumable state) and the history of every executed step. */
export interface RunRow {
  id: string;
  flowId: string;
  flowVersion: number;
  channelId: string;
  contactId: string;
  conversationKey: string;
  status: RunStatus;
  state: RunState;
  timeoutAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface RunFilter {
  flowId?: string;
  status?: string;
  contactId?: string;
  limit?: number;
}

type Row = {
  id: string;
  flow_id: string;
  flow_version: number;
  channel_id: string;
  contact_id: string;
  conversation_key: string;
  status: string;
  state_json: string;
  timeout_at: number | null;
  created_at: number;
  updated_at: number;
};

const toRun = (r: Row): RunRow => ({
  id: r.id,
  flowId: r.flow_id,
  flowVersion: r.flow_version,
  channelId: r.channel_id,
  contactId: r.contact_id,
  conversationKey: r.conversation_key,
  status: r.status as RunStatus,
  state: JSON.parse(r.state_json) as RunState,
  timeoutAt: r.timeout_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createRunRepo(store: SqliteStore) {
  const { q } = store;
  return {
    get(id: string): RunRow | undefined {
      const r = store.get(q.selectFrom("runs").selectAll().where("id", "=", id));
      return r ? toRun(r) : undefined;
    },
    list(filter: RunFilter): RunRow[] {
      let query = q.selectFrom("runs").selectAll();
      if (filter.flowId) query = query.where("flow_id", "=", filter.flowId);
      if (filter.status) query = query.where("status", "=", filter.status);
      if (filter.contactId) query = query.where("contact_id", "=", filter.contactId);
      return store
        .all(
          query
            .orderBy("created_at", "desc")
            .orderBy("id", "desc")
            .limit(filter.limit ?? 100),
        )
        .map(toRun);
    },
    /** The run that is waiting for (or working on) this conversation, if any. */
    activeFor(conversationKey: string): RunRow | undefined {
      const r = store.get(
        q
          .selectFrom("runs")
          .selectAll()
          .where("conversation_key", "=", conversationKey)
          .where("status", "in", ["waiting", "running"])
          .orderBy("created_at", "desc")
          .limit(1),
      );
      return r ? toRun(r) : undefined;
    },
    running(): RunRow[] {
      return store.all(q.selectFrom("runs").selectAll().where("status", "=", "running")).map(toRun);
    },
    dueTimeouts(now: number, limit = 500): RunRow[] {
      return store
        .all(
          q
            .selectFrom("runs")
            .selectAll()
            .where("status", "=", "waiting")
            .where("timeout_at", "is not", null)
            .where("timeout_at", "<=", now)
            .orderBy("timeout_at")
            .limit(limit),
        )
        .map(toRun);
    },
    nextTimeoutAt(): number | null {
      const r = store.get(
        q
          .selectFrom("runs")
          .select((eb) => eb.fn.min<number | null>("timeout_at").as("t"))
          .where("status", "=", "waiting")
          .where("timeout_at", "is not", null),
      );
      return r?.t ?? null;
    },
    /** Inside `store.write`. */
    insert(row: Omit<RunRow, "updatedAt">): void {
      store.run(
        q.insertInto("runs").values({
          id: row.id,
          flow_id: row.flowId,
          flow_version: row.flowVersion,
          channel_id: row.channelId,
          contact_id: row.contactId,
          conversation_key: row.conversationKey,
          status: row.status,
          state_json: JSON.stringify(row.state),
          timeout_at: row.timeoutAt,
          created_at: row.createdAt,
          updated_at: row.createdAt,
        }),
      );
    },
    /** Inside `store.write`: the state after a step, and that step's history record. */
    saveStep(state: RunState, record: StepRecord | null, now: number): void {
      store.run(
        q
          .updateTable("runs")
          .set({
            status: state.status,
            state_json: JSON.stringify(state),
            timeout_at: state.status === "waiting" ? (state.wait?.timeoutAt ?? null) : null,
            updated_at: now,
          })
          .where("id", "=", state.runId),
      );
      if (!record) return;
      const values = {
        run_id: record.runId,
        visit: record.visit,
        step_id: record.stepId,
        step_type: record.stepType,
        status: record.status,
        input_json: JSON.stringify(record.input ?? null),
        output_json: JSON.stringify(record.output ?? null),
        error_json: record.error ? JSON.stringify(record.error) : null,
        next: record.next,
        started_at: record.startedAt,
        ended_at: record.endedAt,
      };
      store.run(
        q
          .insertInto("run_steps")
          .values(values)
          .onConflict((oc) =>
            oc.columns(["run_id", "visit"]).doUpdateSet({
              status: values.status,
              input_json: values.input_json,
              output_json: values.output_json,
              error_json: values.error_json,
              next: values.next,
              ended_at: values.ended_at,
            }),
          ),
      );
    },
    steps(runId: string) {
      return store
        .all(q.selectFrom("run_steps").selectAll().where("run_id", "=", runId).orderBy("visit"))
        .map((s) => ({
          visit: s.visit,
          stepId: s.step_id,
          type: s.step_type,
          status: s.status,
          input: s.input_json ? JSON.parse(s.input_json) : null,
          output: s.output_json ? JSON.parse(s.output_json) : null,
          error: s.error_json ? JSON.parse(s.error_json) : null,
          next: s.next,
          startedAt: new Date(s.started_at).toISOString(),
          endedAt: new Date(s.ended_at).toISOString(),
          durationMs: s.ended_at - s.started_at,
        }));
    },
  };
}
export type RunRepo = ReturnType<typeof createRunRepo>;
