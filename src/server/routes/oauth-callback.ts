import type { FastifyPluginAsync } from "fastify";
import { isAppError } from "../../core/app-error.js";
import { createOAuthConnect, type OAuthConnect } from "../../services/oauth-connect.js";
import type { AppDeps } from "../app.js";

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

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tern — ${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

export const oauthCallbackRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const service = oauthConnectOf(deps);
    app.get("/oauth/:type/callback", async (req, reply) => {
      reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
      reply.type("text/html; charset=utf-8");
      const type = (req.params as { type: string }).type;
      // Parsed from the raw URL: duplicate keys stay visible, bad percent-encoding stays text.
      const raw = req.raw.url ?? "";
      const query = new URLSearchParams(raw.includes("?") ? raw.slice(raw.indexOf("?") + 1) : "");
      try {
        const { name } = await service.callback(type, query);
        return page("Connected", `The connection "${name}" is connected. You can close this window.`);
      } catch (error) {
        if (!isAppError(error)) throw error;
        reply.status(error.httpStatus);
        return page("Not connected", error.message);
      }
    });
  };
