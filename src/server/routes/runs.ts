import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { AppError } from "../../core/app-error.js";
import { parseDurationMs } from "../../flows/duration.js";
import { retryState } from "../../queue/run-retry.js";
import type { RunCursor } from "../../store/repos/run-operations.js";
import type { RunRow } from "../../store/repos/run-repo.js";
import type { AppDeps } from "../app.js";
import { FlowStatsQuery, parseTime, RunEndManyBody, RunId, RunListQuery } from "./run-schemas.js";

const summary = (r: RunRow) => ({
  id: r.id,
  flowId: r.flowId,
  flowVersion: r.flowVersion,
  channelId: r.channelId,
  contactId: r.contactId,
  status: r.status,
  currentStep: r.state.cursor?.stepId ?? null,
  // `for`: a reply ("reply"; a wait step's time too), a person ("handoff": a handoff step or AGENT), a paused connection ("retry").
  waitingFor: r.state.wait
    ? { stepId: r.state.wait.stepId, timeoutAt: r.state.wait.timeoutAt, for: r.state.wait.for }
    : null,
  error: r.state.error,
  endReason: r.state.endReason ?? null,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});

const cursorOf = (r: RunRow): string => `${r.createdAt}:${r.id}`;
const parseCursor = (c: string | undefined): RunCursor | undefined => {
  if (!c) return undefined;
  const at = c.indexOf(":");
  return { createdAt: Number(c.slice(0, at)), id: c.slice(at + 1) };
};
const notFound = (id: string) => new AppError("RUN_NOT_FOUND", `No run with id "${id}"`);

/** Runs: list, history (every step's input, output, error and timing), end, retry; step counts. */
export const runRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["runs"];
    const { store, clock } = deps;
    const before = (olderThan: string | undefined) =>
      olderThan === undefined ? undefined : clock.now() - (parseDurationMs(olderThan) as number);
    /** `since` and `until` (already checked) as the start-time bounds of a search. */
    const started = (since: string | undefined, until: string | undefined) => ({
      createdFrom: since === undefined ? undefined : (parseTime(since) as number),
      createdBefore: until === undefined ? undefined : (parseTime(until) as number),
    });

    app.get(
      "/runs",
      {
        schema: {
          operationId: "listRuns",
          tags,
          summary:
            "Lists runs, newest first, by flow, version, step, status, contact, channel, start time and age; paginated",
          querystring: RunListQuery,
        },
      },
      async (req) => {
        const { olderThan, limit, cursor, since, until, ...filter } = req.query;
        const page = await store.runOps.search(
          { ...filter, updatedBefore: before(olderThan), ...started(since, until) },
          limit + 1,
          parseCursor(cursor),
        );
        const items = page.slice(0, limit);
        const last = items.at(-1);
        return { items: items.map(summary), nextCursor: page.length > limit && last ? cursorOf(last) : null };
      },
    );
    app.get(
      "/runs/:id",
      {
        schema: {
          operationId: "getRun",
          summary: "One run with its variables and its steps",
          tags,
          params: RunId,
        },
      },
      async (req) => {
        const run = await store.runs.get(req.params.id);
        if (!run) throw notFound(req.params.id);
        return { ...summary(run), vars: run.state.vars, steps: await store.runs.steps(run.id) };
      },
    );
    app.get(
      "/runs/:id/messages",
      {
        schema: {
          operationId: "listRunMessages",
          tags,
          summary: "The messages in and out of a run's conversation while it ran, oldest first",
          params: RunId,
        },
      },
      async (req) => {
        const run = await store.runs.get(req.params.id);
        if (!run) throw notFound(req.params.id);
        const messages = await store.contacts.messagesOfRun(run.id);
        return {
          items: messages.map((m) => ({
            id: m.id,
            direction: m.direction,
            text: m.text,
            status: m.status,
            ...(m.errors ? { errors: m.errors } : {}),
            channelId: m.channelId,
            createdAt: new Date(m.createdAt).toISOString(),
          })),
        };
      },
    );
    app.post(
      "/runs/end",
      {
        schema: {
          operationId: "endRuns",
          tags,
          summary: "Ends the waiting and running runs that match the filters (at most `limit`)",
          body: RunEndManyBody,
        },
      },
      async (req) => {
        const { olderThan, limit, since, until, ...filter } = req.body;
        const now = clock.now();
        const reason = { code: "ENDED_BY_API", message: "Ended through POST /api/v1/runs/end", at: now };
        const ended = await store.write((tx) =>
          tx.runOps.endMany(
            { ...filter, updatedBefore: before(olderThan), ...started(since, until) },
            limit,
            reason,
          ),
        );
        return { ended };
      },
    );
    app.post(
      "/runs/:id/end",
      { schema: { operationId: "endRun", tags, summary: "Ends a waiting or running run", params: RunId } },
      async (req) => {
        const run = await store.runs.get(req.params.id);
        if (!run) throw notFound(req.params.id);
        const now = clock.now();
        const stepId = run.state.wait?.stepId ?? run.state.cursor?.stepId ?? null;
        const reason = { code: "ENDED_BY_API", message: "Ended through the API", stepId, at: now };
        if (!(await store.write((tx) => tx.runOps.end(run.id, reason, now))))
          throw new AppError(
            "CONFLICT",
            `Run ${run.id} is ${run.status}: only a waiting or running run can be ended.`,
          );
        return summary((await store.runs.get(run.id)) as RunRow);
      },
    );
    app.post(
      "/runs/:id/retry",
      {
        schema: {
          operationId: "retryRun",
          tags,
          summary:
            "Runs a failed run's failed step again (a new visit; effects that happened are not repeated)",
          params: RunId,
        },
      },
      async (req) => {
        const run = await store.runs.get(req.params.id);
        if (!run) throw notFound(req.params.id);
        const state = retryState(run);
        const isRetried = await store.write(async (tx) => {
          const changed = await tx.runOps.retry(run.id, run.conversationKey, state, clock.now());
          // PostgreSQL: the conversation's job continues it (a no-op on SQLite).
          if (changed) await tx.jobs.conversations([run.conversationKey]);
          return changed;
        });
        if (!isRetried) {
          const other = await store.runs.activeFor(run.conversationKey);
          throw new AppError(
            "CONFLICT",
            other
              ? `The contact's conversation has another active run (${other.id}); end it before retrying ${run.id}.`
              : `Run ${run.id} is no longer failed.`,
          );
        }
        deps.worker.resume(run);
        return summary((await store.runs.get(run.id)) as RunRow);
      },
    );
    app.get(
      "/flows/:id/stats",
      {
        schema: {
          operationId: "getFlowStats",
          tags: ["flows"],
          summary:
            "Per step: visits entered, completed, dropped (run ended or expired on it), errored, active",
          params: RunId,
          querystring: FlowStatsQuery,
        },
      },
      async (req) => {
        const { version } = req.query;
        // 404 for an unknown flow, and for a version it does not have (as diff and export answer).
        if (version === undefined) await deps.flows.get(req.params.id);
        else await deps.flows.definition(req.params.id, version);
        return {
          flowId: req.params.id,
          version: version ?? null,
          steps: await store.runOps.stepStats(req.params.id, version),
        };
      },
    );
  };
