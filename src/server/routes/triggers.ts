import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { KeywordSettings } from "../../queue/global-keywords.js";
import {
  createFlowTriggers,
  type FlowTriggers,
  IdempotencyKey,
  StartRunBody,
} from "../../services/flow-triggers.js";
import type { AppDeps } from "../app.js";

const services = new WeakMap<AppDeps, FlowTriggers>();

/** One per app: the admin routes and the public flow webhook share it. */
export function flowTriggersOf(deps: AppDeps): FlowTriggers {
  let service = services.get(deps);
  if (!service) {
    service = createFlowTriggers({
      store: deps.store,
      clock: deps.clock,
      notify: (keys) => deps.worker.notify(keys),
    });
    services.set(deps, service);
  }
  return service;
}

const IdParams = z.object({ id: z.string().min(1).max(200) });
export const StartedRun = z.object({
  runId: z.string(),
  flowId: z.string(),
  flowVersion: z.number(),
  status: z.literal("queued"),
  replayed: z.boolean().describe("true: this Idempotency-Key started the run before; nothing new was queued"),
});
const ReleaseBody = z
  .strictObject({ note: z.string().max(2_000).optional().describe("Shown in the run history") })
  .nullish();

/**
 * Triggers through the admin API: start a run (API trigger), a flow's webhook token, releasing a
 * run a person had (handoff), and the global keywords. src/flows/README.md, "Triggers".
 */
export const triggerRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const triggers = flowTriggersOf(deps);
    app.post(
      "/flows/:id/runs",
      {
        schema: {
          operationId: "startFlowRun",
          tags: ["runs"],
          summary: "Start a run of the flow's published version for a contact (API trigger)",
          description:
            "Queues the run in the contact's conversation and answers 202 with its id: GET /api/v1/runs/:id " +
            "follows it once it has started in the conversation's turn (404 RUN_NOT_FOUND until then). " +
            "A run already active in that conversation is ended. The same Idempotency-Key for the flow " +
            "answers the same run id and starts nothing more.",
          params: IdParams,
          headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
          body: StartRunBody,
          response: { 202: StartedRun },
        },
      },
      async (req, reply) => {
        const started = await triggers.start(req.params.id, req.body, "api", req.headers["idempotency-key"]);
        return reply.status(202).send({ ...started, status: "queued" as const });
      },
    );
    app.post(
      "/flows/:id/webhook",
      {
        schema: {
          operationId: "rotateFlowWebhook",
          tags: ["flows"],
          summary: "Create or rotate the flow's webhook URL (shown once)",
          description:
            "For systems that cannot send a bearer token: POST the same JSON body as /flows/:id/runs to the " +
            "returned URL. The token is stored hashed and shown only in this answer; calling again replaces it.",
          params: IdParams,
          body: z.strictObject({}).nullish(),
        },
      },
      async (req, reply) => {
        const token = await triggers.rotateHook(req.params.id);
        return reply.status(201).send({
          url: `${deps.publicUrl}/hooks/flows/${encodeURIComponent(req.params.id)}/${token}`,
          token,
        });
      },
    );
    app.post(
      "/runs/:id/release",
      {
        schema: {
          operationId: "releaseRun",
          tags: ["runs"],
          summary: "Release a run paused for a person (handoff step or the AGENT keyword)",
          description:
            "A handoff step's run continues at its `next`; a run the AGENT keyword paused waits again as before. " +
            "Queued in the conversation's turn: 202.",
          params: IdParams,
          body: ReleaseBody,
        },
      },
      async (req, reply) => {
        await triggers.release(req.params.id, req.body?.note);
        return reply.status(202).send({ runId: req.params.id, status: "queued" });
      },
    );
    app.get(
      "/settings/keywords",
      {
        schema: {
          operationId: "getKeywords",
          summary: "The global keywords (STOP, START, AGENT, RESTART) and their words",
          tags: ["settings"],
        },
      },
      async () => deps.worker.keywords.settings(),
    );
    app.put(
      "/settings/keywords",
      {
        schema: {
          operationId: "setKeywords",
          tags: ["settings"],
          summary: "Set the global keywords (STOP, START, AGENT, RESTART)",
          description:
            "Each is a list of whole messages (case-insensitive); [] turns it off; omitted ones take the default.",
          body: KeywordSettings,
        },
      },
      async (req) => deps.worker.keywords.put(req.body),
    );
  };
