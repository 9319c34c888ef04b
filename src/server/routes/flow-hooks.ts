import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { IdempotencyKey, StartRunBody } from "../../services/flow-triggers.js";
import type { AppDeps } from "../app.js";
import { unsupportedMediaType } from "../errors.js";
import { flowTriggersOf, StartedRun } from "./triggers.js";

/**
 * Public: `POST /hooks/flows/:id/:token`, a flow's webhook for systems that cannot send a bearer
 * token (the token in the URL is the secret: `POST /api/v1/flows/:id/webhook` makes or rotates
 * it). Same body as the API trigger; an `Idempotency-Key` header works the same. A wrong token or
 * flow is 401 (which of the two is not said); only `application/json` is accepted.
 */
export const flowHookRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const triggers = flowTriggersOf(deps);
    app.post(
      "/hooks/flows/:id/:token",
      {
        schema: {
          operationId: "runFlowHook",
          tags: ["flows"],
          summary: "Start a run of the flow from another system (public; the token in the URL is the secret)",
          description:
            "The URL comes from POST /api/v1/flows/{id}/webhook. Same body and Idempotency-Key as " +
            "POST /api/v1/flows/{id}/runs. A wrong flow or token is 401 (which of the two is not said), checked " +
            "before the body; only application/json is accepted (415).",
          security: [],
          params: z.object({ id: z.string().max(200), token: z.string().max(200) }),
          headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
          body: StartRunBody,
          response: { 202: StartedRun },
        },
        // Checked before the body is even parsed: a stranger learns nothing about the body's
        // shape, not even that it is malformed JSON. The route's params are known by then.
        onRequest: async (req) => {
          const { id, token } = req.params as { id: string; token: string };
          if (!(await triggers.isHookToken(id, token))) {
            throw new AppError("UNAUTHORIZED", "This flow webhook URL is not valid (unknown flow or token).");
          }
          const type = String(req.headers["content-type"] ?? "")
            .split(";")[0]
            ?.trim()
            .toLowerCase();
          if (type !== "application/json") throw unsupportedMediaType(req.headers["content-type"]);
        },
      },
      async (req, reply) => {
        const started = await triggers.start(
          req.params.id,
          req.body,
          "webhook",
          req.headers["idempotency-key"],
        );
        return reply.status(202).send({ ...started, status: "queued" as const });
      },
    );
  };
