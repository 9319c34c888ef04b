import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { RunRow } from "../../store/repos/run-repo.js";
import type { AppDeps } from "../app.js";

const RunQuery = z.object({
  flowId: z.string().optional(),
  status: z.enum(["running", "waiting", "completed", "failed", "ended"]).optional(),
  contactId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const summary = (r: RunRow) => ({
  id: r.id,
  flowId: r.flowId,
  flowVersion: r.flowVersion,
  channelId: r.channelId,
  contactId: r.contactId,
  status: r.status,
  currentStep: r.state.cursor?.stepId ?? null,
  waitingFor: r.state.wait ? { stepId: r.state.wait.stepId, timeoutAt: r.state.wait.timeoutAt } : null,
  error: r.state.error,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});

/** Run history: every step's input, output, error and timing. */
export const runRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["runs"];
    app.get("/runs", { schema: { tags, querystring: RunQuery } }, async (req) => ({
      items: (await deps.store.runs.list(req.query)).map(summary),
    }));
    app.get("/runs/:id", { schema: { tags, params: z.object({ id: z.string() }) } }, async (req) => {
      const run = await deps.store.runs.get(req.params.id);
      if (!run) throw new AppError("RUN_NOT_FOUND", `No run with id "${req.params.id}"`);
      return { ...summary(run), vars: run.state.vars, steps: await deps.store.runs.steps(run.id) };
    });
  };
