import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { packageRoot } from "../core/paths.js";
import type { RouteTable } from "./route-table.js";

/** Where `npm run build` puts the browser UI (web/, built by Vite). */
export function defaultWebRoot(): string {
  return path.join(packageRoot(), "dist", "web");
}

/**
 * Paths that belong to the server. The UI's client-side routes never start with these, so an
 * unknown `/api/...` stays a JSON 404 instead of becoming the UI's index page.
 */
const SERVER_PREFIXES = [
  "/api",
  "/webhooks",
  "/hooks",
  "/oauth",
  "/metrics",
  "/healthz",
  "/readyz",
  "/health",
];

/**
 * A client-side route: letters, digits, `-`, `_` and `/` only. No dots and no percent escapes, so
 * a missing asset (`/assets/x.js`) or a traversal attempt (`/..%2f..%2fetc/passwd`) is a 404,
 * never the index page and never a file outside the UI folder.
 */
const CLIENT_ROUTE = /^\/[A-Za-z0-9_\-/]*$/;

export function isClientRoute(urlPath: string): boolean {
  // An empty segment is no page of the UI: `//api/v1/flows` (a client's base URL ending in `/`)
  // got the index page, 200 HTML where JSON was expected. Server paths in any case
  // (`/API/v1/flows`) are server paths too.
  if (!CLIENT_ROUTE.test(urlPath) || urlPath.includes("//")) return false;
  const lower = urlPath.toLowerCase();
  return !SERVER_PREFIXES.some((p) => lower === p || lower.startsWith(`${p}/`));
}

/** The UI's pages talk only to the same origin; nothing may frame them. */
const HTML_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-cache",
};

/**
 * Serves the built UI at `/` and answers every other unknown path: a client-side route (GET of
 * `/flows/abc`) gets the UI's index page, anything else a JSON 404 in the API's error shape.
 * Only files present at start are routes (`wildcard: false`), so nothing outside the folder can
 * be named. Without a build (`dist/web` missing) the API works alone and `/` is a 404 that says
 * how to build the UI.
 */
export async function registerWebUi(
  app: FastifyInstance,
  webRoot: string,
  routes: RouteTable,
): Promise<void> {
  const hasUi = existsSync(path.join(webRoot, "index.html"));
  if (hasUi) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: "/",
      wildcard: false,
      index: false,
      // Set below per file; @fastify/send's own header would say max-age=0 for everything.
      cacheControl: false,
      // The build writes .br and .gz beside each asset (web/vite.config.ts).
      preCompressed: true,
      setHeaders(res, filePath) {
        // `/index.html` named directly is the same page as `/`: the same policy (no framing).
        if (filePath.endsWith(".html")) {
          for (const [name, value] of Object.entries(HTML_HEADERS)) res.setHeader(name, value);
          return;
        }
        // Vite names assets by content hash: a new build has new names.
        if (filePath.includes(`${path.sep}assets${path.sep}`)) {
          res.setHeader("cache-control", "public, max-age=31536000, immutable");
        } else {
          res.setHeader("cache-control", "no-cache");
        }
      },
    });
  }
  const sendIndex = (reply: FastifyReply) =>
    reply.headers(HTML_HEADERS).sendFile("index.html", webRoot, { cacheControl: false });
  if (hasUi) app.get("/", { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const urlPath = request.url.split("?")[0] ?? "";
    const shown = shownPath(urlPath);
    const isPage = request.method === "GET" || request.method === "HEAD";
    if (hasUi && isPage && isClientRoute(urlPath)) return sendIndex(reply);
    const allowed = routes.allowed(urlPath);
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header("allow", allowed.join(", "))
        .send({
          error: {
            code: "METHOD_NOT_ALLOWED",
            message: `${request.method} is not allowed on ${shown}; it takes ${allowed.join(", ")}.`,
          },
        });
    }
    const message =
      urlPath === "/" && !hasUi
        ? "The browser UI is not built: run `npm run build`."
        : `Route ${request.method} ${shown} not found`;
    return reply.status(404).send({ error: { code: "NOT_FOUND", message } });
  });
}

/**
 * The path as a 404 or 405 may repeat it: a flow webhook's path carries its token, which no
 * answer repeats (a proxy or a log keeps answers; framework-errors.ts), and a long one is cut.
 */
function shownPath(urlPath: string): string {
  const hook = /^\/hooks\/flows\/([^/]*)\//.exec(urlPath);
  const path = hook ? `/hooks/flows/${hook[1]}/<token>…` : urlPath;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
