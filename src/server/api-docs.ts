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
      // The docs instance holds a copy of the admin API: a path that could resolve outside
      // /api/docs there (`/api/docs/%2e%2e/v1/channels`) is this app's 404, never forwarded.
      if (!isDocsPath(request.url)) return reply.code(404).send(notDocs);
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

/**
 * `/api/docs`, `/api/docs/json`, `/api/docs/static/swagger-ui.css`…: plain segments only, no
 * percent-encoding, no `.` or `..` (what inject would resolve to another route).
 */
export function isDocsPath(url: string): boolean {
  const path = url.split("?", 1)[0] ?? "";
  if (!/^\/api\/docs(?:\/[A-Za-z0-9._-]*)*$/.test(path)) return false;
  return !path.split("/").some((segment) => segment === "." || segment === "..");
}

/**
 * In the docs instance, first: only its /api/docs routes answer. Its copy of the admin API is
 * there for the OpenAPI document, never to be called (it has none of the app's error handling,
 * and inject's requests all come from 127.0.0.1).
 */
export const onlyDocsRoutes: onRequestAsyncHookHandler = async (request, reply) => {
  if (request.routeOptions.url?.startsWith("/api/docs")) return;
  await reply.code(404).send(notDocs);
};

const notDocs = {
  error: {
    code: "NOT_FOUND",
    message: "Not found: /api/docs serves the API documentation only (plain path segments, no dot segments)",
  },
};
