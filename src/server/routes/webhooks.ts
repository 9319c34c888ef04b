import type { FastifyPluginAsync } from "fastify";
import { AppError } from "../../core/app-error.js";
import type { AppDeps } from "../app.js";

/**
 * Provider webhooks. The body is kept as raw bytes (signatures are computed over them), the
 * events are committed to the inbox, and only then is the provider answered 200: durable
 * before acknowledged. Processing happens in the worker, after the response.
 */
export const webhookRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 4 * 1024 * 1024 }, (_req, body, done) => {
      done(null, body);
    });

    const channelFor = (id: string) => {
      try {
        return deps.integrations.channel(id);
      } catch (error) {
        if (error instanceof AppError && error.code === "CHANNEL_NOT_FOUND") {
          throw new AppError("CHANNEL_NOT_FOUND", `No channel with id "${id}"`);
        }
        throw error;
      }
    };

    const toRequest = (req: {
      method: string;
      headers: Record<string, unknown>;
      query: unknown;
      body: unknown;
    }) => ({
      method: req.method as "GET" | "POST",
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [
          k.toLowerCase(),
          Array.isArray(v) ? v.join(",") : (v as string),
        ]),
      ),
      query: (req.query ?? {}) as Record<string, string | undefined>,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });

    app.get<{ Params: { channelId: string } }>(
      "/webhooks/:channelId",
      { schema: { hide: true } },
      async (req, reply) => {
        const channel = channelFor(req.params.channelId);
        const result = channel.definition.handshake?.(toRequest(req), channel.config);
        if (!result) throw new AppError("BAD_REQUEST", "Not a verification request");
        return reply.status(result.status).type("text/plain").send(result.body);
      },
    );

    app.post<{ Params: { channelId: string } }>(
      "/webhooks/:channelId",
      { schema: { hide: true } },
      async (req, reply) => {
        const channel = channelFor(req.params.channelId);
        const raw = toRequest(req);
        channel.definition.verify(raw, channel.config);
        const events = channel.definition.parse(raw, channel.config);
        const now = deps.clock.now();
        const touched = await deps.store.write(() => deps.store.inbox.ingest(channel.id, events, now));
        deps.worker.notify(touched);
        return reply.status(200).type("text/plain").send("OK");
      },
    );
  };
