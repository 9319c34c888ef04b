import { AppError, isAppError } from "../../core/app-error.js";
import { type ConnectorDeps, defineConnector } from "../connector.js";
import { withRecordOutputs } from "./actions/create.action.js";
import { findAction } from "./actions/find.action.js";
import { getAction } from "./actions/get.action.js";
import { updateAction } from "./actions/update.action.js";
import { upsertAction } from "./actions/upsert.action.js";
import { salesforceOAuth } from "./auth/oauth.js";
import { createSession } from "./auth/session.js";
import { createSalesforceClient, type SalesforceClient } from "./client.js";
import { SalesforceConfig, SECRET_FIELDS } from "./config.js";
import { connectionReport } from "./connection-report.js";
import { createCoalescer } from "./create/coalescer.js";
import { createAction } from "./create/create-action.js";
import type { CreateOutput, PendingCreate } from "./create/create-batch.js";
import { createDescribeCache } from "./describe.js";
import { describeFact, mappingFact } from "./design/mapping-check.js";
import { createConnectionGuard } from "./errors/connection-guard.js";
import { parseJson } from "./errors/errors.js";
import { salesforceSteps } from "./steps/index.js";

/**
 * Salesforce connector: OAuth (web server + PKCE, refresh, password, client credentials, JWT) with a single-flight token cache per connection,
 * the REST client, actionable errors and the `create` action (with crash reconciliation).
 * See README.md for setting up the Connected App / External Client App.
 */
export { SalesforceConfig } from "./config.js";

/** Versions the org serves (`GET /services/data/`, no auth — reference §2.2). */
async function availableVersions(deps: ConnectorDeps, instanceUrl: string): Promise<string[] | null> {
  try {
    const response = await deps.fetch(`${instanceUrl}/services/data/`, {
      headers: { Accept: "application/json" },
    });
    const body = parseJson(await response.text());
    // An error answer is a JSON array too ([{ errorCode, message }]): only a 200 lists versions,
    // and only entries that carry one (a 503 said "doesn't serve 62.0 (newest: undefined)").
    if (!response.ok || !Array.isArray(body)) return null;
    const versions = body
      .map((v) => (v as { version?: unknown } | null)?.version)
      .filter((v): v is string => typeof v === "string");
    return versions.length > 0 ? versions : null;
  } catch {
    return null;
  }
}

function createRuntime(connectionId: string, deps: ConnectorDeps) {
  const session = createSession(connectionId, deps);
  const describes = createDescribeCache(deps.clock);
  const guard = createConnectionGuard(connectionId, deps);
  let warnedAt = 0;
  const clientFor = (config: SalesforceConfig): SalesforceClient =>
    createSalesforceClient(session, config, {
      onLimitInfo: (info) => {
        if (info.used / info.max >= 0.9 && deps.clock.now() - warnedAt > 3_600_000) {
          warnedAt = deps.clock.now();
          deps.log.warn({ connectionId, ...info }, "salesforce: org has used 90% of its daily API requests");
        }
      },
    });

  // sObject Collections take up to 200 records per request (reference §2.7).
  const batches = createCoalescer<PendingCreate, CreateOutput>({
    maxBatch: 200,
    ...(deps.workerLoad ? { load: deps.workerLoad } : {}),
  });

  const testConnection = async (config: SalesforceConfig): Promise<Record<string, unknown>> => {
    const token = await session.refresh(config, null);
    const identity = await clientFor(config).identity().catch(identityRefused);
    const versions = await availableVersions(deps, token.instanceUrl);
    if (versions && !versions.includes(config.apiVersion)) {
      throw new AppError(
        "CONNECTION_INVALID",
        `This org doesn't serve API version ${config.apiVersion}; set apiVersion to one of its versions (newest: ${versions.at(-1)}).`,
        { details: { apiVersion: config.apiVersion, latestApiVersion: versions.at(-1) } },
      );
    }
    const report = await connectionReport(session, config);
    return {
      ...identity,
      instanceUrl: token.instanceUrl,
      apiVersion: config.apiVersion,
      grant: config.grant,
      ...(versions ? { latestApiVersion: versions.at(-1) } : {}),
      ...report,
    };
  };

  return {
    /**
     * Refreshes a token and asks who we are: proves app credentials, refresh token and API access.
     * Under the guard, as an action is: a refusal marks the connection ("reconnect required", or
     * "sign-in refused" for its settings) and a pass clears such a mark, so the Connections page
     * does not say "Connected" after Salesforce refused the test, nor the mark after the cause was
     * fixed (in Salesforce too) and the test passed.
     */
    async test(config: SalesforceConfig): Promise<Record<string, unknown>> {
      try {
        return await guard.guard(config, () => testConnection(config));
      } finally {
        await guard.reported();
      }
    },
    // Every action goes through the guard: limit pauses and refusal marks (errors-table.ts).
    actions: guard.actions({
      create: withRecordOutputs(createAction(clientFor, describes, deps, batches), clientFor),
      update: updateAction(clientFor, describes, deps.log),
      upsert: upsertAction(clientFor, describes, deps.log),
      find: findAction(clientFor, describes),
      get: getAction(clientFor),
    }),
    /** Design-time checks read the same describe cache the actions use (mapping-check.ts). */
    facts: {
      describe: (input: Record<string, unknown>, config: SalesforceConfig) =>
        describeFact(describes, clientFor(config), input),
      /** A mapping's problems, for steps outside the connector (a handoff's Case). */
      "salesforce.mapping": (input: Record<string, unknown>, config: SalesforceConfig) =>
        mappingFact(describes, clientFor(config), input),
      /** The objects the connection's user can see (describeGlobal), for the editor's pickers. */
      objects: (_input: Record<string, unknown>, config: SalesforceConfig) =>
        describes.objects(clientFor(config)),
    },
  };
}

export const salesforceConnector = defineConnector({
  type: "salesforce",
  title: "Salesforce",
  config: SalesforceConfig,
  secretFields: SECRET_FIELDS,
  // Changed, these keep the stored token: it may hold a rotated refresh token, the only live one.
  settingsFields: [
    "apiVersion",
    "exactlyOnce",
    "externalIdField",
    "batchWindowMs",
    "limitPauseMs",
    "limitPauseMaxMs",
  ],
  steps: salesforceSteps,
  oauth: salesforceOAuth,
  create: createRuntime,
});

/**
 * The identity URL answers only tokens with the `id` scope ("when a connected app with id scope
 * is successfully authorized, it receives an identity URL": Help, Identity URLs); Tern asks for
 * `api refresh_token`, and nothing else it does needs the identity. A connected app that does
 * not grant it still passes the test, saying so; the org's own refusals (API disabled, limits)
 * still fail it.
 */
function identityRefused(error: unknown): { identity: string } {
  const code = isAppError(error) ? error.details?.errorCode : undefined;
  if (
    !isAppError(error) ||
    error.details?.httpStatus !== 403 ||
    code === "API_DISABLED_FOR_ORG" ||
    code === "REQUEST_LIMIT_EXCEEDED"
  )
    throw error;
  return {
    identity:
      'Salesforce refused to say which user this is (HTTP 403 from the identity URL: the connected app\'s OAuth scopes lack "Access the identity URL service (id, profile, email, address, phone)"). Tern does not need it.',
  };
}
