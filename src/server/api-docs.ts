import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
} from "fastify";

/**
 * `/api/docs` (Swagger UI) and `/api/docs/json|yaml` (the OpenAPI document), built on the first
 * request instead of at start: @fastify/swagger and its UI cost ~3 MB of heap that a process
 * serving webhooks never needs. The first request builds a second Fastify instance holding the
 * same admin routes (registered, never listening) with the plugins; requests are answered
 * from it through `inject`.
 */
export const lazyApiDocs =
  (
    build: () => Promise<FastifyInstance>,
    onRequest: onRequestAsyncHookHandler | undefined,
  ): FastifyPluginAsync =>
  async (app) => {
    let docs: Promise<FastifyInstance> | null = null;
    app.addHook("onClose", async () => {
      await (await docs?.catch(() => null))?.close();
    });
    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      docs ??= build().catch((error: unknown) => {
        docs = null; // a later request tries again
        throw error;
      });
      const answer = await (await docs).inject({
        method: request.method as "GET" | "HEAD",
        url: request.url,
        headers: request.headers,
      });
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value === undefined || hopByHop.has(name.toLowerCase())) continue;
        reply.header(name, value);
      }
      // The UI takes an admin token ("Authorize"): no other site may frame it (clickjacking),
      // and nothing it serves is sniffed as another type. Its own scripts stay as the plugin has them.
      reply
        .header("content-security-policy", "frame-ancestors 'none'")
        .header("x-frame-options", "DENY")
        .header("x-content-type-options", "nosniff");
      return reply.code(answer.statusCode).send(answer.rawPayload);
    };
    const options = { schema: { hide: true }, ...(onRequest ? { onRequest } : {}) };
    app.get("/api/docs", options, serve);
    app.get("/api/docs/*", options, serve);
  };

/** Headers that describe one connection or one framing, set again by the outer reply. */
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date"]);
