import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { isAppError } from "../../core/app-error.js";
import { createOAuthConnect, type OAuthConnect } from "../../services/oauth-connect.js";
import type { AppDeps } from "../app.js";
import { parseCookies } from "../session.js";

/**
 * The public OAuth callback `GET /oauth/:type/callback` (`/oauth/salesforce/callback` is the URL
 * pasted into the Connected App). A person's browser lands here: every answer is a small HTML
 * page, a refusal included, with anything echoed HTML-escaped.
 */
const services = new WeakMap<AppDeps, OAuthConnect>();

/** One service per app: the admin routes and the callback share it. */
export function oauthConnectOf(deps: AppDeps): OAuthConnect {
  let service = services.get(deps);
  if (!service) {
    service = createOAuthConnect({
      store: deps.store,
      integrations: deps.integrations,
      clock: deps.clock,
      fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
      publicUrl: () => deps.publicUrl,
      log: deps.logger,
    });
    services.set(deps, service);
  }
  return service;
}

/**
 * Set by `oauth/start?returnTo=ui` (the browser UI's "Connect"): the connection id the flow was
 * started for. The callback then sends the person back to the Connections page instead of a bare
 * page. Lax: it must come along on the provider's top-level redirect to the callback.
 */
export const OAUTH_RETURN_COOKIE = "tern_oauth_return";
const RETURN_COOKIE_PATH = "/oauth";

export function setOAuthReturn(request: FastifyRequest, reply: FastifyReply, deps: AppDeps, id: string) {
  const secure = request.protocol === "https" || deps.publicUrl.startsWith("https:") ? "; Secure" : "";
  reply.header(
    "set-cookie",
    `${OAUTH_RETURN_COOKIE}=${encodeURIComponent(id)}; Path=${RETURN_COOKIE_PATH}; Max-Age=600; SameSite=Lax; HttpOnly${secure}`,
  );
}

const clearReturn = (reply: FastifyReply) =>
  reply.header(
    "set-cookie",
    `${OAUTH_RETURN_COOKIE}=; Path=${RETURN_COOKIE_PATH}; Max-Age=0; SameSite=Lax; HttpOnly`,
  );

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The route every provider's consent sends the browser back to. */
export const OAUTH_CALLBACK_ROUTE = "/oauth/:type/callback";

/** A page of text for a person: not cached, not sniffed, nothing to load, run, submit or frame. */
function asPage(reply: FastifyReply): FastifyReply {
  return reply
    .header("cache-control", "no-store")
    .header("referrer-policy", "no-referrer")
    .header("x-content-type-options", "nosniff")
    .header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
    .type("text/html; charset=utf-8");
}

function page(title: string, message: string, backToUi = false): string {
  const back = backToUi ? `<p><a href="/connections">Back to Connections</a></p>` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tern — ${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${back}</body></html>`;
}

/**
 * The callback's answer to a query string that is not valid percent-encoding (app.ts checks every
 * route's before any handler): the API's JSON refusal would be a page of code to the person in
 * the browser. Fixed words: nothing of the address is repeated.
 */
export function badQueryPage(reply: FastifyReply): FastifyReply {
  return asPage(reply)
    .status(400)
    .send(
      page(
        "Not connected",
        "This address is not a sign-in answer Tern can read: its query string is not valid percent-encoding. Nothing was changed. Start again from Tern (Connections → Connect, or `tern salesforce connect <name>`).",
      ),
    );
}

export const oauthCallbackRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const service = oauthConnectOf(deps);
    // GET only: Fastify's automatic HEAD route runs the GET handler, which trades the one-time
    // code and connects. HEAD must be safe (RFC 9110 §9.2.1) and link scanners and prefetchers
    // send it, so it gets the not-found handler's 405 with `Allow: GET` (web-ui.ts).
    app.get(OAUTH_CALLBACK_ROUTE, { exposeHeadRoute: false }, async (req, reply) => {
      asPage(reply);
      const type = (req.params as { type: string }).type;
      // Parsed from the raw URL: duplicate keys stay visible, bad percent-encoding stays text.
      const raw = req.raw.url ?? "";
      const query = new URLSearchParams(raw.includes("?") ? raw.slice(raw.indexOf("?") + 1) : "");
      const returnTo = parseCookies(req.headers.cookie).get(OAUTH_RETURN_COOKIE);
      if (returnTo !== undefined) clearReturn(reply);
      try {
        const { id, name } = await service.callback(type, query);
        // Started from the UI for this very connection: back to its page, which says it is connected.
        if (returnTo === id) return reply.redirect(`/connections?connected=${encodeURIComponent(id)}`, 303);
        return page("Connected", `The connection "${name}" is connected. You can close this window.`);
      } catch (error) {
        if (!isAppError(error)) throw error;
        // The provider refused the code with an OAuth error (invalid_grant: expired or used): the
        // person starts again, it is not the provider failing (which stays a 502).
        reply.status(typeof error.details?.error === "string" ? 400 : error.httpStatus);
        return page("Not connected", error.message, returnTo !== undefined);
      }
    });
  };
