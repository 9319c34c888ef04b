import { type QueryCreator, type Selectable, sql } from "kysely";
import type { RunState, RunStatus, StepRecord } from "../../flows/runtime.js";
import type { Database } from "../database.js";
import type { Executor, TableName } from "../db.js";
import { markProcessedQuery } from "./inbox-repo.js";
import { setJsonFields } from "./json-fields.js";
import { closeRunLeftovers } from "./run-closing.js";
import {
  advanceAndSaveStep,
  advanceRun,
  insertRunConsuming,
  onStepConflict,
  stepValues,
} from "./run-writes-sql.js";
import { type StepSnapshot, savesAtOnce, snapshotStep } from "./step-snapshot.js";

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

/** A run that waits for a deadline that had passed by `at` (ms): its timeout fires first. */
export function isPastDeadline(run: RunRow | undefined, at: number): run is RunRow {
  return run?.status === "waiting" && run.timeoutAt !== null && run.timeoutAt <= at;
}

/** The run, when it waits without a deadline since longer than the maximum wait before `at`. */
export function abandonedRun(
  run: RunRow | undefined,
  at: number,
  maxWaitMs: number | undefined,
): RunRow | undefined {
  const isAbandoned =
    maxWaitMs !== undefined &&
    run?.status === "waiting" &&
    run.timeoutAt === null &&
    // A person has the conversation (handoff step or AGENT): no deadline on purpose.
    run.state.wait?.for !== "handoff" &&
    at - run.updatedAt >= maxWaitMs;
  return isAbandoned ? run : undefined;
}

export interface RunFilter {
  flowId?: string;
  status?: string;
  contactId?: string;
  limit?: number;
}

type Row = Selectable<Database["runs"]>;

export const toRun = (r: Row): RunRow => ({
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

/** Every table a persist reads or writes: a deferred statement on another rides on it. */
const PERSIST_TABLES: readonly TableName[] = ["runs", "run_steps", "inbox"];

export function createRunRepo(exec: Executor) {
  const { q } = exec;
  /** Moves a still-active run to a final status outside the engine (compare-and-set). */
  const endActive = async (
    id: string,
    status: "ended" | "failed",
    error: { code: string; message: string } | null,
    now: number,
  ): Promise<boolean> => {
    const { changes } = await exec.run(
      q
        .updateTable("runs")
        .set({
          status,
          state_json: setJsonFields(exec.dialect, "state_json", { status, cursor: null, wait: null, error }),
          timeout_at: null,
          updated_at: now,
        })
        .where("id", "=", id)
        .where(sql<boolean>`status in ('waiting', 'running')`),
    );
    if (changes === 0) return false;
    await closeRunLeftovers(exec, id, now);
    return true;
  };
  const st = {
    byId: () =>
      exec.statement("runs.byId", (p) => q.selectFrom("runs").selectAll().where("id", "=", p("id"))),
    activeFor: () =>
      exec.statement("runs.activeFor", (p) =>
        q
          .selectFrom("runs")
          .selectAll()
          .where("conversation_key", "=", p("key"))
          // Literal values, not parameters: only then can SQLite use the partial index.
          .where(sql<boolean>`status in ('waiting', 'running')`)
          .orderBy("created_at", "desc")
          .limit(1),
      ),
    lastEnded: () =>
      exec.statement("runs.lastEnded", (p) =>
        q
          .selectFrom("runs")
          .select((eb) => eb.fn.max<number | string | null>("updated_at").as("t"))
          .where("contact_id", "=", p("contactId"))
          .where("conversation_key", "=", p("key"))
          .where("flow_id", "=", p("flowId"))
          .where(sql<boolean>`status not in ('waiting', 'running')`),
      ),
    insert: () =>
      exec.statement("runs.insert", (p) =>
        q.insertInto("runs").values({
          id: p("id"),
          flow_id: p("flowId"),
          flow_version: p("flowVersion"),
          channel_id: p("channelId"),
          contact_id: p("contactId"),
          conversation_key: p("conversationKey"),
          status: p("status"),
          state_json: p("state"),
          timeout_at: p("timeoutAt"),
          visits: p("visits"),
          created_at: p("createdAt"),
          updated_at: p("createdAt"),
        }),
      ),
    // PostgreSQL: a message marked processed and the run it starts in one statement.
    insertConsuming: () => exec.statement("runs.insertConsuming", (p) => insertRunConsuming(q, p)),
    consume: () => exec.statement("inbox.markProcessed", (p) => markProcessedQuery(q, p)),
    update: () => exec.statement("runs.update", (p) => advanceRun(q, p)),
    status: () =>
      exec.statement("runs.status", (p) => q.selectFrom("runs").select("status").where("id", "=", p("id"))),
    saveStep: () =>
      exec.statement("runSteps.save", (p) =>
        q.insertInto("run_steps").values(stepValues(p)).onConflict(onStepConflict),
      ),
    // PostgreSQL: the run's compare-and-set and its step record in one statement (a
    // data-modifying WITH, which SQLite has not); the record is written only if the run was.
    // A carrier: the settle of the step's effect, deferred just before, rides on it (db.ts).
    advanceAndSaveStep: () => exec.carrier("runs.advanceAndSaveStep", advanceAndSaveStep, PERSIST_TABLES),
    // The same, marking the inbox rows the step consumed processed (an answer's first persist).
    advanceSaveStepAndConsume: () =>
      exec.carrier(
        "runs.advanceSaveStepAndConsume",
        (qc, p) =>
          advanceAndSaveStep(
            qc.with("consumed", (db) =>
              db
                .updateTable("inbox")
                .set({ processed_at: p("now") })
                .where(sql<boolean>`id = any(cast(${p("inboxIds")} as bigint[]))`)
                .where("processed_at", "is", null),
            ) as unknown as QueryCreator<Database>,
            p,
          ),
        PERSIST_TABLES,
      ),
  };
  /** Inside `store.write`: `saveStep` of a snapshot taken earlier (`snapshotStep`). */
  const saveSnapshot = async (
    snapshot: StepSnapshot,
    now: number,
    /** Inbox rows this step consumed: marked processed in the same write, whether or not the run was. */
    inboxIds: readonly number[] = [],
  ): Promise<boolean> => {
    const { run: runArgs, step } = snapshot;
    const run = { ...runArgs, now };
    if (exec.dialect === "postgres" && step && savesAtOnce(snapshot)) {
      const { status: stepStatus, ...rest } = step;
      const args = { ...rest, ...run, stepStatus };
      const statement = inboxIds.length
        ? st.advanceSaveStepAndConsume().run({ ...args, inboxIds: [...inboxIds] })
        : st.advanceAndSaveStep().run(args);
      return (await statement).changes === 1;
    }
    const isSaved = await saveSnapshotApart(snapshot, now);
    for (const id of inboxIds) await st.consume().run({ id, now });
    return isSaved;
  };
  /** `saveSnapshot` one statement at a time (SQLite, and the rarer cases on PostgreSQL). */
  const saveSnapshotApart = async (snapshot: StepSnapshot, now: number): Promise<boolean> => {
    const { run: runArgs, step } = snapshot;
    const run = { ...runArgs, now };
    const isDropped = step?.status === "dropped";
    const { changes } = await st.update().run(run);
    if (changes === 0) return false;
    if (!step) return true;
    if (isDropped) {
      // The run expired at a wait: the waiting record keeps its input and output.
      await exec.run(
        q
          .updateTable("run_steps")
          .set({ status: "dropped", error_json: step.error, ended_at: step.endedAt })
          .where("run_id", "=", step.runId)
          .where("visit", "=", step.visit),
      );
      return true;
    }
    await st.saveStep().run(step);
    return true;
  };

  return {
    async get(id: string): Promise<RunRow | undefined> {
      const r = await st.byId().get({ id });
      return r ? toRun(r) : undefined;
    },

    async list(filter: RunFilter): Promise<RunRow[]> {
      let query = q.selectFrom("runs").selectAll();
      if (filter.flowId) query = query.where("flow_id", "=", filter.flowId);
      if (filter.status) query = query.where("status", "=", filter.status);
      if (filter.contactId) query = query.where("contact_id", "=", filter.contactId);
      const rows = await exec.all(
        query
          .orderBy("created_at", "desc")
          .orderBy("id", "desc")
          .limit(filter.limit ?? 100),
      );
      return rows.map(toRun);
    },
    /**
     * When the conversation's last run of this flow ended (its last write), or null: a trigger's
     * `cooldown`. Through the contact's runs (the `runs_contact` index): a person has few.
     */
    async lastEndedAt(contactId: string, conversationKey: string, flowId: string): Promise<number | null> {
      const row = await st.lastEnded().get({ contactId, key: conversationKey, flowId });
      return row?.t === null || row?.t === undefined ? null : Number(row.t);
    },
    /** The run that is waiting for (or working on) this conversation, if any. */
    async activeFor(conversationKey: string): Promise<RunRow | undefined> {
      const r = await st.activeFor().get({ key: conversationKey });
      return r ? toRun(r) : undefined;
    },

    async running(): Promise<RunRow[]> {
      return (await exec.all(q.selectFrom("runs").selectAll().where("status", "=", "running"))).map(toRun);
    },
    async dueTimeouts(now: number, limit = 500): Promise<RunRow[]> {
      const rows = await exec.all(
        q
          .selectFrom("runs")
          .selectAll()
          .where(sql<boolean>`status = 'waiting' and timeout_at is not null`)
          .where("timeout_at", "<=", now)
          .orderBy("timeout_at")
          .limit(limit),
      );
      return rows.map(toRun);
    },
    async nextTimeoutAt(): Promise<number | null> {
      const r = await exec.get(
        q
          .selectFrom("runs")
          .select((eb) => eb.fn.min<number | null>("timeout_at").as("t"))
          .where(sql<boolean>`status = 'waiting' and timeout_at is not null`),
      );
      return r?.t == null ? null : Number(r.t);
    },
    /** Inside `store.write`. */
    async insert(row: Omit<RunRow, "updatedAt">): Promise<void> {
      await st.insert().run({ ...row, state: JSON.stringify(row.state), visits: row.state.visits });
    },
    /**
     * Inside `store.write`: starts the run that consumes inbox row `inboxId`, only if that row is
     * still unprocessed (false, and nothing written, when another turn took it meanwhile).
     */
    async insertConsuming(row: Omit<RunRow, "updatedAt">, inboxId: number, now: number): Promise<boolean> {
      const args = { ...row, state: JSON.stringify(row.state), visits: row.state.visits };
      if (exec.dialect === "postgres")
        return (await st.insertConsuming().get({ ...args, runId: row.id, id: inboxId, now })) !== undefined;
      // SQLite: one writer; the same two writes one after the other.
      if ((await st.consume().run({ id: inboxId, now })).changes === 0) return false;
      await st.insert().run(args);
      return true;
    },

    /** Runs of this flow per status (any version), for deleting a flow. */
    async countOfFlow(flowId: string): Promise<Record<string, number>> {
      const rows = await exec.all(
        q
          .selectFrom("runs")
          .select(["status", (eb) => eb.fn.countAll<number | string>().as("n")])
          .where("flow_id", "=", flowId)
          .groupBy("status"),
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    /** Runs per status (`/metrics`). */
    async countByStatus(): Promise<Array<{ status: string; n: number }>> {
      const rows = await exec.all(
        q
          .selectFrom("runs")
          .select(["status", (eb) => eb.fn.countAll<number | string>().as("n")])
          .groupBy("status"),
      );
      // PostgreSQL returns a bigint count as a string.
      return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
    },
    /** Whether the run is still `running` or `waiting` (a primary-key read: on the hot path). */
    async isActive(id: string): Promise<boolean> {
      const status = (await st.status().get({ id }))?.status;
      return status === "running" || status === "waiting";
    },

    /**
     * Inside `store.write`: the state after a step, and that step's history record, only while
     * the run is still active. False when it was ended or failed elsewhere in the meantime:
     * nothing is written, the run stays as that other write left it.
     */
    async saveStep(state: RunState, record: StepRecord | null, now: number): Promise<boolean> {
      return await saveSnapshot(snapshotStep(state, record), now);
    },
    saveSnapshot,

    /**
     * Inside `store.write`: the message a step sent went out again through its fallback channel
     * after the step had finished (a late `failed` status): the step's history says so.
     */
    async noteFallback(runId: string, visit: number, fallback: Record<string, unknown>): Promise<void> {
      const row = await exec.get(
        q
          .selectFrom("run_steps")
          .select("output_json")
          .where("run_id", "=", runId)
          .where("visit", "=", visit),
      );
      if (!row) return;
      const output = (row.output_json ? JSON.parse(row.output_json) : null) ?? {};
      const merged =
        typeof output === "object" && !Array.isArray(output) ? { ...output, fallback } : { fallback };
      await exec.run(
        q
          .updateTable("run_steps")
          .set({ output_json: JSON.stringify(merged) })
          .where("run_id", "=", runId)
          .where("visit", "=", visit),
      );
    },

    /** Inside `store.write`: ends an active run (`POST /runs/:id/end`); false when it was not active. */
    end(id: string, now: number): Promise<boolean> {
      return endActive(id, "ended", null, now);
    },

    /**
     * Inside `store.write`: fails an active run that cannot be advanced at all (its channel is
     * gone, or advancing it throws a bug), so the conversation's next message starts afresh.
     */
    fail(id: string, error: { code: string; message: string }, now: number): Promise<boolean> {
      return endActive(id, "failed", error, now);
    },

    /**
     * Active runs of these flows whose subflow stack is inside `flowId` (they run its pinned
     * version until they leave it): a delete of that flow would fail them at their next step.
     */
    async activeInSubflow(callerIds: readonly string[], flowId: string): Promise<RunRow[]> {
      if (callerIds.length === 0) return [];
      const rows = await exec.all(
        q
          .selectFrom("runs")
          .selectAll()
          .where("flow_id", "in", [...callerIds])
          .where("status", "in", ["waiting", "running"]),
      );
      return rows.map(toRun).filter((run) => run.state.frames?.some((frame) => frame.flowId === flowId));
    },

    /** Waiting runs of a flow on any version but `version`, with their state as stored (publish policy). */
    async waitingOnOtherVersions(
      flowId: string,
      version: number,
    ): Promise<Array<RunRow & { stateJson: string }>> {
      const rows = await exec.all(
        q
          .selectFrom("runs")
          .selectAll()
          .where("flow_id", "=", flowId)
          .where("status", "=", "waiting")
          .where("flow_version", "<>", version)
          .orderBy("created_at"),
      );
      return rows.map((r) => ({ ...toRun(r), stateJson: r.state_json }));
    },

    /**
     * Inside `store.write`: puts a waiting run on another version of its flow, only if its state
     * is still `stateJson` (compare-and-set: a worker that advanced it meanwhile wins).
     */
    async moveToVersion(id: string, stateJson: string, state: RunState, now: number): Promise<boolean> {
      const { changes } = await exec.run(
        q
          .updateTable("runs")
          .set({
            flow_version: state.flowVersion,
            state_json: JSON.stringify(state),
            visits: state.visits,
            updated_at: now,
          })
          .where("id", "=", id)
          .where("status", "=", "waiting")
          .where("state_json", "=", stateJson),
      );
      return changes > 0;
    },

    async steps(runId: string) {
      const rows = await exec.all(
        q.selectFrom("run_steps").selectAll().where("run_id", "=", runId).orderBy("visit"),
      );
      return rows.map((s) => ({
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
