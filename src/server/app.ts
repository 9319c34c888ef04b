import { createServer } from "node:http";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.js";
import type { Worker } from "../queue/worker.js";
import type { BuiltInSandbox } from "../sandbox/bootstrap.js";
import type { FlowService } from "../services/flow-service.js";
import type { Integrations } from "../services/integrations.js";
import type { Store } from "../store/store.js";
import { createAdminAuth } from "./auth.js";
import { errorHandler } from "./errors.js";
import { channelRoutes } from "./routes/channels.js";
import { connectionRoutes } from "./routes/connections.js";
import { contactRoutes } from "./routes/contacts.js";
import { flowRoutes } from "./routes/flows.js";
import { healthRoutes } from "./routes/health.js";
import { runRoutes } from "./routes/runs.js";
import { sandboxRoutes } from "./routes/sandbox.js";
import { createWebhookHandler } from "./webhook-handler.js";

export interface AppDeps {
  store: Store;
  integrations: Integrations;
  worker: Worker;
  flows: FlowService;
  clock: Clock;
  logger: Logger;
  adminToken: string;
  /** Origin used to build webhook URLs shown to the user. */
  publicUrl: string;
  /** The built-in sandbox, when it runs (zero-config start). */
  sandbox?: () => BuiltInSandbox | null;
}

export type App = FastifyInstance;

export async function buildApp(deps: AppDeps): Promise<App> {
  const webhooks = createWebhookHandler(deps);
  const app = Fastify({
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (!webhooks(req, res)) handler(req, res);
      }),
    loggerInstance: deps.logger,
    // Per-request log lines would cost more than the webhook itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);

  await app.register(swagger, {
    openapi: {
      info: {
        title: "Tern admin API",
        version: "1.0.0",
        description:
          "Connections, channels, flows, runs and contacts. Authenticate with `Authorization: Bearer <admin token>`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });

  await app.register(healthRoutes(deps));
  const auth = createAdminAuth(deps.adminToken);
  await app.register(
    async (api) => {
      api.addHook("onRequest", auth);
      await api.register(connectionRoutes(deps));
      await api.register(channelRoutes(deps));
      await api.register(flowRoutes(deps));
      await api.register(runRoutes(deps));
      await api.register(contactRoutes(deps));
      await api.register(sandboxRoutes(deps));
    },
    { prefix: "/api/v1" },
  );
  return app as unknown as App;
}
