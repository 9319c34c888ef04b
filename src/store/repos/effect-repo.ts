import { type QueryCreator, sql } from "kysely";
import type { Database } from "../database.js";
import type { CteAdder, Executor, Param, TableName } from "../db.js";
import {
  insertMessage,
  MESSAGE_SELECT_COLUMNS,
  messageArgs,
  messageSelect,
  type NewMessage,
} from "./contact-messages.js";

/** A send's outbound message row, as its fresh intent adds it (the key, run and time are the intent's). */
export type SendMessageRow = Omit<NewMessage, "effectKey" | "runId" | "now">;

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

/** What a deferred settle writes (`Executor.defer`). */
const SETTLES: readonly TableName[] = ["effects", "messages"];

export function createEffectRepo(exec: Executor) {
  const { q } = exec;
  const byKey = () =>
    exec.statement("effects.get", (p) => q.selectFrom("effects").selectAll().where("key", "=", p("key")));
  const begin = () =>
    exec.statement("effects.begin", (p) =>
      q
        .insertInto("effects")
        .values({
          key: p("key"),
          kind: p("kind"),
          status: "in_flight",
          result_json: null,
          error_json: null,
          attempts: 1,
          intent_at: p("now"),
          done_at: null,
        })
        .onConflict((oc) =>
          oc
            .column("key")
            .doUpdateSet((eb) => ({ attempts: eb("effects.attempts", "+", 1), status: "in_flight" })),
        ),
    );
  // One statement for the common case (a key never seen, its run active): what a read of the
  // key, a read of the run's status and the insert did in three round trips on PostgreSQL.
  const freshIntent = (qc: QueryCreator<Database>, p: Param) =>
    qc
      .selectFrom("runs")
      .select([
        sql<string>`cast(${p("key")} as text)`.as("key"),
        sql<string>`cast(${p("kind")} as text)`.as("kind"),
        sql<"in_flight">`'in_flight'`.as("status"),
        sql<number>`1`.as("attempts"),
        sql<number>`cast(${p("now")} as bigint)`.as("intent_at"),
      ])
      .where("runs.id", "=", p("runId"))
      .where("runs.status", "in", ["running", "waiting"]);
  // A send's: the contact's opt-out (STOP) checked in the same statement instead of a read before it.
  const unlessOptedOut = (intent: ReturnType<typeof freshIntent>, p: Param) =>
    intent.where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("contact_opt_outs")
            .select("contact_opt_outs.contact_id")
            .where("contact_opt_outs.contact_id", "=", p("contactId")),
        ),
      ),
    );
  const insertFresh = (qc: QueryCreator<Database>, intent: ReturnType<typeof freshIntent>) =>
    qc
      .insertInto("effects")
      .columns(["key", "kind", "status", "attempts", "intent_at"])
      .expression(intent)
      .onConflict((oc) => oc.column("key").doNothing());
  const beginFresh = () => exec.statement("effects.beginFresh", (p) => insertFresh(q, freshIntent(q, p)));
  const beginFreshUnlessOptedOut = () =>
    exec.statement("effects.beginFreshUnlessOptedOut", (p) =>
      insertFresh(q, unlessOptedOut(freshIntent(q, p), p)),
    );
  const addMessage = () => exec.statement("messages.insert", (p) => insertMessage(q, p));
  // PostgreSQL: a send's fresh intent, its opt-out check and its message row in one statement (a
  // data-modifying WITH, which SQLite has not); `n` is 1 when the intent was recorded.
  const beginFreshSendAtOnce = () =>
    exec.statement("effects.beginFreshSend", (p) =>
      q
        .with("intent", (db) => insertFresh(db, unlessOptedOut(freshIntent(db, p), p)).returning("key"))
        .with("message", (db) =>
          db
            .insertInto("messages")
            .columns(MESSAGE_SELECT_COLUMNS)
            .expression((eb) =>
              eb.selectFrom("intent").select(messageSelect(p, { effect_key: "intent.key" })),
            )
            .onConflict((oc) => oc.column("effect_key").doNothing()),
        )
        .selectFrom("intent")
        .select(sql<number>`count(*)::int`.as("n")),
    );
  const settle = () =>
    exec.statement("effects.settle", (p) =>
      q
        .updateTable("effects")
        .set({ status: p("status"), result_json: p("result"), error_json: p("error"), done_at: p("now") })
        .where("key", "=", p("key")),
    );

  // A send's outbound message row, once its effect settled: only while still pending or sending
  // (a status webhook may have come first).
  const markMessage = (qc: QueryCreator<Database>, p: Param, status: "sent" | "unknown") =>
    qc
      .updateTable("messages")
      .set({
        ...(status === "sent" && { provider_message_id: p("providerMessageId") }),
        status,
        status_at: p("now"),
      })
      .where("effect_key", "=", p("key"))
      .where("status", "in", ["pending", "sending"]);
  // A send refused for good: its outbound row says so (and why) instead of `sending` forever.
  const markMessageFailed = () =>
    exec.statement("messages.mark.failed", (p) =>
      q
        .updateTable("messages")
        .set({ status: "failed", status_at: p("now"), error_json: p("error") })
        .where("effect_key", "=", p("key"))
        .where("direction", "=", "out")
        .where("status", "in", ["pending", "sending"]),
    );
  const markMessageAlone = (status: "sent" | "unknown") =>
    exec.statement(`messages.mark.${status}`, (p) => markMessage(q, p, status));
  // PostgreSQL: the settle and the message row as two CTEs (a data-modifying WITH, which SQLite
  // has not: there the two run one after the other), deferred to ride on the write's next
  // statement (the run's persist after the step: one round trip for the three). Nothing here
  // reads a row the other writes.
  const finishCtes: CteAdder = (qc, p, prefix) =>
    qc.with(`${prefix}settled`, (db) =>
      db
        .updateTable("effects")
        .set({ status: "done", result_json: p("result"), error_json: null, done_at: p("now") })
        .where("key", "=", p("key")),
    ) as unknown as QueryCreator<Database>;
  const finishSendCtes =
    (status: "sent" | "unknown"): CteAdder =>
    (qc, p, prefix) =>
      finishCtes(qc, p, prefix).with(`${prefix}marked`, (db) =>
        markMessage(db, p, status),
      ) as unknown as QueryCreator<Database>;
  const finishSendAtOnce = (status: "sent" | "unknown") =>
    exec.statement(`effects.finishSend.${status}`, (p) =>
      finishSendCtes(status)(q, p, "").selectNoFrom(sql<number>`1`.as("one")),
    );

  return {
    async get(key: string): Promise<EffectRow | undefined> {
      const r = await byKey().get({ key });
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
    async begin(key: string, kind: string, now: number): Promise<void> {
      await begin().run({ key, kind, now });
    },
    /**
     * Inside `store.write`: the intent of a key not seen before, recorded only while its run is
     * running or waiting. False, nothing written: the key exists (a replay) or the run was ended;
     * the caller then takes the full path (read the key, reconcile, check the run, `begin`).
     */
    async beginFresh(key: string, kind: string, runId: string, now: number): Promise<boolean> {
      return (await beginFresh().run({ key, kind, runId, now })).changes === 1;
    },
    /**
     * Inside `store.write`: `beginFresh` for a send, and only while its contact has not opted out
     * (STOP); with it, the send's outbound message row (`message`; its run and effect key are the
     * intent's). One statement on PostgreSQL (a `single` write), two on SQLite.
     */
    async beginFreshSend(
      key: string,
      runId: string,
      now: number,
      message: SendMessageRow,
      kind = "send",
    ): Promise<boolean> {
      const args = { ...messageArgs({ ...message, effectKey: key, runId, now }), key, kind };
      if (exec.dialect === "postgres") return (await beginFreshSendAtOnce().get(args))?.n === 1;
      if ((await beginFreshUnlessOptedOut().run(args)).changes !== 1) return false;
      await addMessage().run(args);
      return true;
    },
    /** Inside `store.write`. */
    async finish(key: string, result: unknown, now: number): Promise<void> {
      const result_ = JSON.stringify(result ?? null);
      if (exec.defer)
        return exec.defer(
          "effects.finish",
          finishCtes,
          { key, result: result_, now },
          SETTLES,
          `effect:${key}`,
        );
      await settle().run({ key, status: "done", result: result_, error: null, now });
    },
    /**
     * Inside `store.write`: a send finished (`finish`) and its outbound message row marked sent
     * with the provider's id, or `unknown` (a channel that echoes nothing; queue/README.md) —
     * only while the row is still pending or sending (a status webhook may have come first).
     */
    async finishSend(
      key: string,
      result: { providerMessageId: string; outcome?: "unknown" },
      now: number,
    ): Promise<void> {
      const status = result.outcome === "unknown" ? "unknown" : "sent";
      const args = {
        key,
        now,
        result: JSON.stringify(result),
        ...(status === "sent" && { providerMessageId: result.providerMessageId }),
      };
      if (exec.defer)
        return exec.defer(
          `effects.finishSend.${status}`,
          finishSendCtes(status),
          args,
          SETTLES,
          `effect:${key}`,
        );
      if (exec.dialect === "postgres") {
        await finishSendAtOnce(status).run(args);
        return;
      }
      await settle().run({ key, status: "done", result: args.result, error: null, now });
      await markMessageAlone(status).run(args);
    },
    /**
     * Inside `store.write`: a definitive failure (the effect did not happen). A send's outbound
     * message row becomes `failed`, with the error in the shape a provider's failed status has.
     */
    /**
     * Inside `store.write`: a send that failed for now and will be tried again (its run waits,
     * send-effects.ts): the effect is `failed` with `retryable`, its message row stays `sending`.
     */
    async failForNow(key: string, error: { code: string; message: string }, now: number): Promise<void> {
      const record = { ...error, retryable: true };
      await settle().run({ key, status: "failed", result: null, error: JSON.stringify(record), now });
    },
    async fail(key: string, error: { code: string; message: string }, now: number): Promise<void> {
      await settle().run({ key, status: "failed", result: null, error: JSON.stringify(error), now });
      const errors = JSON.stringify([{ code: error.code, title: error.message }]);
      await markMessageFailed().run({ key, now, error: errors });
    },
  };
}
export type EffectRepo = ReturnType<typeof createEffectRepo>;
