import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";

/** Liveness, readiness (the database answers) and a few counters. */
export const healthRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
    app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
      try {
        deps.store.db.db.prepare("SELECT 1").get();
        return { status: "ready" };
      } catch {
        return reply.status(503).send({ status: "unavailable" });
      }
    });
  };
