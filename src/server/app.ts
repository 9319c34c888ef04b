import { createServer } from "node:http";
import Fastify, {
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
  type RouteOptions,
} from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { ZodType, z } from "zod";
import { AppError } from "../core/app-error.js";
import { decodeJsonBytes, duplicateKeyError } from "../core/json-syntax.js";
import { type ConnectionCaps, capConnections } from "./connection-caps.js";
// Plain messages for every zod issue without its own (installed on import).
import "../core/plain-messages.js";
import type { Clock } from "../core/clock.js";
import type { FetchLike } from "../core/fetch.js";
import { createLogThrottle } from "../core/log-throttle.js";
import type { Metrics } from "../core/metrics.js";
import type { Worker } from "../queue/worker.js";
import type { BuiltInSandbox } from "../sandbox/bootstrap.js";
import type { FlowService } from "../services/flow-service.js";
import type { Integrations } from "../services/integrations.js";
import type { Store } from "../store/store.js";
import { lazyApiDocs, onlyDocsRoutes } from "./api-docs.js";
import { createDeliveryHealth } from "./delivery-health.js";
import { createErrorHandler } from "./errors.js";
import { clientErrorHandler, frameworkErrors } from "./framework-errors.js";
import { failRequest } from "./last-resort.js";
import { refuseBody } from "./no-body.js";
import { BAD_QUERY_ENCODING, isQueryWellEncoded } from "./query-encoding.js";
import { createRouteTable } from "./route-table.js";
import { channelRoutes } from "./routes/channels.js";
import { connectionObjectRoutes } from "./routes/connection-objects.js";
import { connectionRoutes } from "./routes/connections.js";
import { contactRoutes } from "./routes/contacts.js";
import { flowHookRoutes } from "./routes/flow-hooks.js";
import { flowSchemaRoute } from "./routes/flow-schema.js";
import { flowRoutes } from "./routes/flows.js";
import { healthRoutes } from "./routes/health.js";
import { integrationTypeRoutes } from "./routes/integration-types.js";
import { badQueryPage, OAUTH_CALLBACK_ROUTE, oauthCallbackRoutes } from "./routes/oauth-callback.js";
import { rejectedEventRoutes } from "./routes/rejected-events.js";
import { runRoutes } from "./routes/runs.js";
import { sandboxRoutes } from "./routes/sandbox.js";
import { sessionRoutes } from "./routes/session.js";
import { templateRoutes } from "./routes/templates.js";
import { triggerRoutes } from "./routes/triggers.js";
import { createSessions, type Sessions } from "./session.js";
import { fastifyTrustProxy } from "./trust-proxy.js";
import { defaultWebRoot, registerWebUi } from "./web-ui.js";
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
  /**
   * Tern's own address on this machine (the listening port): where the sandbox posts its
   * customers' webhooks, signed for `publicUrl`, which a server behind a proxy may not reach.
   * `publicUrl` when absent.
   */
  localUrl?: string;
  /** The built-in sandbox, when it runs (zero-config start). */
  sandbox?: () => BuiltInSandbox | null;
  /** Outbound HTTP (OAuth code exchange, revocation); global fetch when absent. */
  fetch?: FetchLike;
  /** Counters shown by `/metrics`. */
  metrics: Metrics;
  /** Who may read `/metrics` and `/api/docs` (TERN_METRICS, TERN_API_DOCS); both "public" when absent. */
  exposure?: { metrics: Exposure; apiDocs: Exposure };
  /** TERN_REQUEST_TIMEOUT_MS: headers and body must arrive within it (408 otherwise). */
  requestTimeoutMs?: number;
  /** TERN_MAX_CONNECTIONS and TERN_MAX_CONNECTIONS_PER_ADDRESS (connection-caps.ts); uncapped when absent. */
  connectionCaps?: ConnectionCaps;
  /** TERN_TRUST_PROXY: the proxies whose X-Forwarded-* headers are believed (none when absent). */
  trustProxy?: number | string[];
  /** Browser sign-in (session.ts): TERN_ADMIN_USER/TERN_ADMIN_PASSWORD and TERN_SESSION_TTL (12 h when absent). */
  signIn?: { login?: { user: string; password: string }; ttlMs?: number };
  /** The built browser UI served at `/` (default: dist/web; absent: the API alone). */
  webRoot?: string;
}

const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;

/** "token": only with the admin bearer token; "off": 404. */
export type Exposure = "public" | "token" | "off";

export type App = FastifyInstance;

export async function buildApp(deps: AppDeps): Promise<App> {
  // Whether webhook deliveries can be stored: the webhooks tell, /readyz and /metrics say.
  const deliveries = createDeliveryHealth();
  const webhooks = createWebhookHandler(deps, deliveries);
  const requestTimeout = deps.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    serverFactory: (handler) => {
      const server = createServer(slowClientLimits(requestTimeout), (req, res) => {
        // Last resort: a synchronous throw on any request path answers that request 500 (logged
        // with its stack) instead of ending the process for every other request. Bytes that are
        // not HTTP (broken chunked encoding, oversized headers) never get here: Fastify's
        // `clientError` handler answers them 400/408/431 and destroys the socket.
        try {
          if (!webhooks(req, res)) handler(req, res);
        } catch (error) {
          failRequest(deps.logger, res, error, "request failed");
        }
      });
      if (deps.connectionCaps) capConnections(server, deps.connectionCaps);
      return server;
    },
    loggerInstance: deps.logger,
    // Per-request log lines would cost more than the webhook itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    ...(deps.trustProxy !== undefined && { trustProxy: fastifyTrustProxy(deps.trustProxy) }),
    frameworkErrors,
    clientErrorHandler,
    // Zod validates and serializes every route: given as the factories, Fastify never loads its
    // default compilers (Ajv and fast-json-stringify, 300 modules and several MB of idle memory).
    schemaController: {
      // Fastify types these factories for Ajv's schemas; every schema here is a Zod type.
      compilersFactory: {
        buildValidator: () => tolerantValidatorCompiler,
        buildSerializer: () => serializerCompiler,
      } as unknown as NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>,
    },
  }).withTypeProvider<ZodTypeProvider>();
  // Every route's path and methods, for the 405 the not-found handler answers (web-ui.ts).
  const routes = createRouteTable();
  app.addHook("onRoute", routes.add);
  app.setValidatorCompiler(tolerantValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(createErrorHandler(createLogThrottle(deps.clock)));
  // An empty body sent as `application/json` means "no body" (what `curl -X POST` and many
  // clients send), not a syntax error: routes whose body is optional then see `undefined`, and
  // routes that need one still answer 400 from their schema. Other bodies keep Fastify's parser
  // with its `__proto__`/`constructor` poisoning checks.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be read wrongly.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(String(req.headers["content-type"] ?? ""))?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      done(
        new AppError(
          "UNSUPPORTED_MEDIA_TYPE",
          `Unsupported charset (${charset.slice(0, 40)}): send the JSON body as UTF-8.`,
        ),
        undefined,
      );
      return;
    }
    let text: string;
    try {
      // Bytes that are not UTF-8 would be stored as U+FFFD (a flow's text, a contact's name).
      text = decodeJsonBytes(body as Buffer, "send the body as UTF-8");
    } catch (error) {
      done(new AppError("BAD_REQUEST", `Malformed JSON body: ${(error as Error).message}`), undefined);
      return;
    }
    if (/^\s*$/.test(text)) done(null, undefined);
    else
      void parseJson(req, text, (error, value) => {
        // Fastify's error says neither where the JSON breaks nor that it was refused for a key.
        if (error) return done(jsonBodyError(text), undefined);
        // JSON.parse keeps the last of a key written twice, where a reader of the request sees the first.
        const duplicate = duplicateKeyError(text);
        done(duplicate ? new AppError("BAD_REQUEST", `Malformed JSON body: ${duplicate}`) : null, value);
      });
  });
  // The API takes JSON only: a text/plain body is a 415 saying so, as elsewhere, not a 400 about
  // the string Fastify's default text parser would have handed the schema.
  app.removeContentTypeParser("text/plain");
  // Fastify validates a missing body as null. A route whose schema does not accept that says
  // so plainly instead of "expected object, received null"; optional bodies use `.nullish()`.
  app.addHook("preValidation", async (request) => {
    if (request.body !== undefined && request.body !== null) return;
    const schema = request.routeOptions.schema?.body;
    if (schema instanceof ZodType && !schema.safeParse(null).success) {
      throw new AppError(
        "BAD_REQUEST",
        `A JSON body is required for ${request.method} ${request.routeOptions.url}; none was sent.`,
      );
    }
  });
  // Admin API answers hold a tenant's data: never cached by a browser or a proxy, never sniffed
  // as anything but what they say they are.
  app.addHook("onRequest", async (request, reply) => {
    // The route's path, else the request's without an absolute-form origin (`GET http://host/api/v1/…`,
    // which Fastify routes like the path alone).
    const path = request.routeOptions.url ?? request.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
    if (path.startsWith("/api/v1/") || path.startsWith("/hooks/")) {
      reply.header("cache-control", "no-store").header("x-content-type-options", "nosniff");
    }
  });
  // On every route, before its own hooks (auth): a query value the router would pass on undecoded.
  app.addHook("onRequest", async (request, reply) => {
    if (isQueryWellEncoded(request.raw.url ?? request.url)) return;
    // A person's browser lands on the OAuth callback: a page for them, not the API's JSON.
    if (request.routeOptions.url === OAUTH_CALLBACK_ROUTE) return badQueryPage(reply);
    return reply.status(400).send(BAD_QUERY_ENCODING);
  });
  const sessions = createSessions({
    store: deps.store,
    clock: deps.clock,
    adminToken: deps.adminToken,
    login: deps.signIn?.login,
    publicUrl: () => deps.publicUrl,
    ttlMs: deps.signIn?.ttlMs ?? DEFAULT_SESSION_TTL_MS,
  });
  const exposure = deps.exposure ?? { metrics: "public", apiDocs: "public" };
  const auth = sessions.bearer;

  if (exposure.apiDocs !== "off") {
    await app.register(
      lazyApiDocs(() => buildDocsApp(deps, sessions), exposure.apiDocs === "token" ? auth : undefined),
    );
  }
  await app.register(healthRoutes(deps, { metrics: exposure.metrics, auth, deliveries }));
  // Public: a person's browser comes back here from the provider's consent page.
  await app.register(oauthCallbackRoutes(deps));
  // Public: a flow's webhook, authenticated by the token in its URL.
  await app.register(flowHookRoutes(deps));
  // Public: an editor fetches the schema a flow file names in "$schema" without a token.
  await app.register(flowSchemaRoute());
  await registerAdminApi(app as unknown as FastifyInstance, deps, sessions);
  // Last: the UI at `/`, and the 404 for every path no route above claims.
  await registerWebUi(app as unknown as FastifyInstance, deps.webRoot ?? defaultWebRoot(), routes);
  return app as unknown as App;
}

const NoQuery = z.strictObject({});

/**
 * A route that takes no query parameter refuses one (400 "unknown field"), as the routes that take
 * some refuse the others: a misspelt filter never reads as "no filter". Likewise a route that takes
 * no body refuses one (`POST /runs/:id/end {"reason": …}`).
 */
const strictRequest = (route: RouteOptions) => {
  if (!route.schema?.querystring) route.schema = { ...route.schema, querystring: NoQuery };
  if (!route.schema?.body) route.preValidation = [route.preValidation ?? []].flat().concat(refuseBody);
};

async function registerAdminApi(app: FastifyInstance, deps: AppDeps, sessions: Sessions): Promise<void> {
  // Public: how a browser gets its session cookie (and reads or ends it).
  await app.register(
    async (pub) => {
      pub.addHook("onRoute", strictRequest);
      await pub.register(sessionRoutes(sessions));
    },
    { prefix: "/api/v1" },
  );
  await app.register(
    async (api) => {
      // The bearer token, or a session cookie with the CSRF header on unsafe methods.
      api.addHook("onRequest", sessions.authenticate);
      api.addHook("onRoute", strictRequest);
      await api.register(connectionRoutes(deps));
      await api.register(connectionObjectRoutes(deps));
      await api.register(integrationTypeRoutes());
      await api.register(channelRoutes(deps));
      await api.register(rejectedEventRoutes(deps));
      await api.register(flowRoutes(deps));
      await api.register(runRoutes(deps));
      await api.register(contactRoutes(deps));
      await api.register(sandboxRoutes(deps));
      await api.register(triggerRoutes(deps));
      await api.register(templateRoutes());
    },
    { prefix: "/api/v1" },
  );
}

/**
 * The zod validator, except that a value zod itself throws on (core/tolerant-parse.ts) is a 400
 * naming the request part, never a 500.
 */
const tolerantValidatorCompiler: typeof validatorCompiler = (route) => {
  const validate = validatorCompiler(route);
  return (data) => {
    try {
      return validate(data);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : "unknown error";
      return { error: [{ instancePath: "", message: `a value could not be read (${reason})` }] } as never;
    }
  };
};

/** The OpenAPI document and its UI over the same admin routes (see api-docs.ts: built on first use). */
async function buildDocsApp(deps: AppDeps, sessions: Sessions): Promise<FastifyInstance> {
  // The documented answers are ~200 zod schemas that only this document reads.
  const [{ default: swagger }, { default: swaggerUi }, responses] = await Promise.all([
    import("@fastify/swagger"),
    import("@fastify/swagger-ui"),
    import("./api-docs-responses.js"),
  ]);
  const { documentedResponses, ERROR_SCHEMA, withErrorResponses, withOptionalBodies } = responses;
  const docs = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
  docs.addHook("onRequest", onlyDocsRoutes);
  docs.setValidatorCompiler(tolerantValidatorCompiler);
  docs.setSerializerCompiler(serializerCompiler);
  docs.addSchema(ERROR_SCHEMA);
  await docs.register(swagger, {
    openapi: {
      info: {
        title: "Tern admin API",
        version: "1.0.0",
        description:
          "Connections, channels, flows, runs and contacts. Authenticate with `Authorization: Bearer <admin token>`, " +
          "or (browsers) with the `tern_session` cookie from `POST /api/v1/session` plus the `x-tern-csrf` header " +
          "on POST, PUT, PATCH and DELETE.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          cookie: { type: "apiKey", in: "cookie", name: "tern_session" },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    // Shared schemas keep their $id as their name in components.schemas ("ApiError").
    refResolver: {
      buildLocalReference: (json: { $id?: unknown }, _base: unknown, _fragment: unknown, i: number) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
    // Errors once for the whole document, and optional bodies as optional (this app is built as
    // OpenAPI 3, never Swagger 2).
    transformObject: (document) =>
      "openapiObject" in document
        ? withOptionalBodies(withErrorResponses(document.openapiObject))
        : document.swaggerObject,
    // The routes' own schemas, then what each answers (api-docs-responses.ts).
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const methods = [input.route.method].flat().filter((m) => m !== "HEAD");
      const own = out.schema.response as Record<string, unknown> | undefined;
      return {
        ...out,
        schema: { ...out.schema, response: documentedResponses(String(methods[0]), input.url, own) },
      };
    },
  });
  await docs.register(swaggerUi, { routePrefix: "/api/docs" });
  await registerAdminApi(docs as unknown as FastifyInstance, deps, sessions);
  // The one public route other systems call with a body Tern defines (webhooks follow each
  // provider's format, docs/channels/).
  await docs.register(flowHookRoutes(deps));
  await docs.ready();
  return docs as unknown as FastifyInstance;
}

/** Why a JSON body was refused: where its syntax breaks, or the prototype key it carries. */
function jsonBodyError(text: string): AppError {
  try {
    JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : "not JSON";
    return new AppError("BAD_REQUEST", `Malformed JSON body: ${reason}`);
  }
  return new AppError(
    "BAD_REQUEST",
    'The JSON body has a "__proto__" key, or a "constructor" key holding "prototype": refused, as they could change objects they were never meant to reach. Rename the key.',
  );
}

/**
 * Node's defaults let one request take 300 s and its headers 60 s, checked only every 30 s, so a
 * client trickling bytes holds a socket for minutes. Here headers must arrive within 10 s and the
 * whole request within `requestTimeout`, checked every second; Node answers 408 and closes.
 * https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener
 */
function slowClientLimits(requestTimeout: number) {
  return {
    requestTimeout,
    headersTimeout: Math.min(10_000, requestTimeout),
    connectionsCheckingInterval: Math.min(1_000, requestTimeout / 2),
  };
}
