import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { createConnectionAdmin } from "../../services/connection-admin.js";
import { integrationEtag } from "../../services/integration-admin.js";
import type { IntegrationRecord } from "../../store/repos/integration-repo.js";
import type { AppDeps } from "../app.js";
import { IfMatchHeaders, ifMatchOf, withEtag } from "./conditional-headers.js";
import { IdParams, IntegrationPatchBody, integrationCreateBody } from "./integration-schemas.js";
import { oauthConnectOf, setOAuthReturn } from "./oauth-callback.js";

const StartQuery = z.strictObject({
  returnTo: z
    .enum(["ui"])
    .optional()
    .describe(
      '"ui": the callback sends the browser back to /connections?connected=<id> (a cookie remembers it)',
    ),
});

// "http": an HTTP API's baseUrl and credentials for the http flow step (connectors/http/index.ts).
const CreateBody = integrationCreateBody(
  "salesforce",
  'Connector config; type "http": { baseUrl, auth: "bearer", token } | { baseUrl, auth: "basic", username, password } | { baseUrl, auth: "header", header, value }',
);

/** Connections to business systems (Salesforce, HTTP APIs). Secrets are write-only. */
export const connectionRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const admin = createConnectionAdmin({
      store: deps.store,
      integrations: deps.integrations,
      clock: deps.clock,
      sandbox: deps.sandbox,
    });
    const tags = ["connections"];
    const oauth = oauthConnectOf(deps);
    // The public view also says how it connects: grant, whether connected, the callback URL.
    const toPublic = (r: IntegrationRecord) => ({ ...admin.toPublic(r), ...oauth.describe(r) });

    app.get(
      "/connections",
      {
        schema: {
          operationId: "listConnections",
          summary: "Every connection (Salesforce orgs), secrets left out",
          tags,
        },
      },
      async () => ({
        items: (await deps.store.connections.list()).map(toPublic),
      }),
    );
    app.post(
      "/connections",
      {
        schema: {
          operationId: "createConnection",
          summary: "Create a connection; secrets are encrypted and never returned",
          tags,
          body: CreateBody,
        },
      },
      async (req, reply) => {
        const record = await admin.create(req.body);
        return withEtag(reply, integrationEtag(record)).status(201).send(toPublic(record));
      },
    );
    // `health`: paused until a time (API limit), reconnect required or sign-in refused (connectors/connector.ts).
    app.get(
      "/connections/:id",
      {
        schema: {
          operationId: "getConnection",
          summary:
            "One connection with its health (ok, paused, reconnect required or sign-in refused, and why)",
          tags,
          params: IdParams,
          description:
            "The `ETag` (also `revision`, unquoted) changes with every change: send it back in `If-Match` with a PATCH, and a change made since is not overwritten (412)",
        },
      },
      async (req, reply) => {
        const record = await admin.get(req.params.id);
        return withEtag(reply, integrationEtag(record)).send({
          ...toPublic(record),
          health: await deps.store.connectionHealth.get(req.params.id),
        });
      },
    );
    app.patch(
      "/connections/:id",
      {
        schema: {
          operationId: "updateConnection",
          summary: "Change a connection's name or config; secrets given are replaced",
          tags,
          params: IdParams,
          headers: IfMatchHeaders("connection"),
          body: IntegrationPatchBody,
          description:
            "With `If-Match` (the `ETag` of GET /connections/:id), changed only while nobody changed the connection since: else 412 PRECONDITION_FAILED and nothing changes. The answer's `ETag` is the changed connection's",
        },
      },
      async (req, reply) => {
        const record = await admin.update(req.params.id, req.body, ifMatchOf(req.headers));
        return withEtag(reply, integrationEtag(record)).send(toPublic(record));
      },
    );
    // Deletes, then revokes the refresh token (best-effort); 204 as before, and the `Tern-Revocation`
    // header (and the log) says whether Salesforce confirmed: `revoked` or `not-revoked; <why>`.
    app.delete(
      "/connections/:id",
      {
        schema: {
          operationId: "deleteConnection",
          summary: "Delete a connection, then revoke its Salesforce token",
          description:
            "With `If-Match` (the `ETag` of GET /connections/:id), deleted only while nobody changed the connection since: else 412 PRECONDITION_FAILED, nothing changes and no token is revoked",
          tags,
          params: IdParams,
          headers: IfMatchHeaders("connection"),
        },
      },
      async (req, reply) => {
        // If-Match checked and the row deleted in one commit; the token revoked only after it, so
        // a refused DELETE (412, 404) revokes nothing.
        const { record, token } = await admin.remove(req.params.id, ifMatchOf(req.headers));
        const revocation = await oauth.revoke(record, token);
        const header = revocation.revoked ? "revoked" : `not-revoked; ${revocation.reason ?? "unknown"}`;
        return reply
          .status(204)
          .header("tern-revocation", header.replace(/[^\x20-\x7e]/g, "?"))
          .send();
      },
    );
    /**
     * The OAuth web server flow's first leg: 302 to the provider's authorize page, or
     * `{ authorizeUrl }` for a CLI or UI that asks for JSON.
     */
    app.get(
      "/connections/:id/oauth/start",
      {
        schema: {
          operationId: "startConnectionOAuth",
          summary: "Start the one-click Salesforce sign-in: redirects to the org's authorize page (302)",
          tags,
          params: IdParams,
          querystring: StartQuery,
        },
      },
      async (req, reply) => {
        const started = await oauth.start(req.params.id);
        if (req.query.returnTo === "ui") setOAuthReturn(req, reply, deps, req.params.id);
        if ((req.headers.accept ?? "").includes("application/json")) return started;
        return reply.redirect(started.authorizeUrl, 302);
      },
    );
    /** Revokes, forgets the tokens, keeps the connection (not connected until connected again). */
    app.post(
      "/connections/:id/disconnect",
      {
        schema: {
          operationId: "disconnectConnection",
          summary: "Revoke and forget the connection's Salesforce tokens; the connection stays",
          description:
            "With `If-Match` (the `ETag` of GET /connections/:id), only while nobody changed the connection since: else 412 PRECONDITION_FAILED, nothing changes and no token is revoked",
          tags,
          params: IdParams,
          headers: IfMatchHeaders("connection"),
        },
      },
      async (req) => {
        const { record, ...revocation } = await oauth.disconnect(req.params.id, ifMatchOf(req.headers));
        return { ...toPublic(record), revocation };
      },
    );
    app.post(
      "/connections/:id/test",
      {
        schema: {
          operationId: "testConnection",
          summary:
            "Refresh the connection's token and ask Salesforce who it is: the user, org, instance and API versions",
          tags,
          params: IdParams,
        },
      },
      async (req) => {
        const record = await admin.get(req.params.id);
        const resolved = await deps.integrations.connection(record.name);
        const info = await resolved.runtime.test(resolved.config);
        return { ok: true, ...info };
      },
    );
  };
