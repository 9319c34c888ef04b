import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { MAX_FLOW_VERSION } from "../../flows/fields.js";
import { flowJsonSchema } from "../../flows/json-schema.js";
import { flowEtag } from "../../services/flow-preconditions.js";
import { WaitingRunsPolicy } from "../../services/publish-policy.js";
import { stepRegistry } from "../../steps.js";
import type { AppDeps } from "../app.js";
import { IfMatchHeaders, ifMatchOf, withEtag } from "./conditional-headers.js";
import { IdParams } from "./integration-schemas.js";
import { QueryWholeNumber } from "./query-numbers.js";

const FlowFile = z
  .unknown()
  .refine((value) => value !== undefined && value !== null, "a flow file is required")
  .describe("A flow file (`tern.flow/v1`); its JSON Schema is at GET /api/v1/schema/flow.json");
/**
 * Optional: `curl -X POST …/publish` (no body, which Fastify validates as null) publishes the latest
 * version. Strict: a misspelt `"verison": 1` published the latest version instead of rolling back.
 */
const PublishBody = z
  .strictObject({
    version: z
      .number()
      .int()
      .positive()
      .max(MAX_FLOW_VERSION)
      .optional()
      .describe("Version to publish (default: the latest); an older one rolls back to it"),
    waitingRuns: WaitingRunsPolicy.optional(),
  })
  .nullish();
const VersionNumber = QueryWholeNumber(1, MAX_FLOW_VERSION);
const FlowIfMatch = IfMatchHeaders('flow (`"v<latestVersion>"`)');
const DiffQuery = z.strictObject({
  from: VersionNumber.describe("Version to compare from"),
  to: VersionNumber.describe("Version to compare to"),
});

/** Flow files: validate, import (new version), publish, export. */
export const flowRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["flows"];
    app.get(
      "/flows/schema",
      {
        schema: {
          operationId: "getFlowSchema",
          summary: "The JSON Schema of flow files (for editors)",
          tags,
        },
      },
      async () => flowJsonSchema(stepRegistry),
    );
    app.post(
      "/flows/validate",
      {
        schema: {
          operationId: "validateFlow",
          summary: "Check a flow file without storing it: errors and warnings",
          tags,
          body: FlowFile,
        },
      },
      async (req) => {
        // Also checks each step against its connection (Salesforce mappings against the org's describe).
        const { valid, errors, warnings } = await deps.flows.check(req.body);
        return { valid, errors, warnings };
      },
    );
    app.get(
      "/flows",
      {
        schema: {
          operationId: "listFlows",
          summary: "Every flow with its latest and published version and its last run",
          tags,
        },
      },
      async () => ({
        items: await deps.store.flows.listWithLastRun(),
      }),
    );
    app.post(
      "/flows",
      {
        schema: {
          operationId: "createFlow",
          summary: "Store a flow file as a new flow (version 1, a draft)",
          tags,
          body: FlowFile,
        },
      },
      async (req, reply) => {
        const created = await deps.flows.create(req.body);
        return withEtag(reply, flowEtag(created.version)).status(201).send(created);
      },
    );
    app.get(
      "/flows/:id",
      {
        schema: {
          operationId: "getFlow",
          summary: "One flow with its latest version's definition",
          tags,
          params: IdParams,
          description:
            'The `ETag` names the latest version (`"v7"`): send it back in `If-Match` when saving, and a save based on an older version is refused (412) instead of overwriting it',
        },
      },
      async (req, reply) => {
        const flow = await deps.flows.get(req.params.id);
        return withEtag(reply, flowEtag(flow.latestVersion)).send(flow);
      },
    );
    app.put(
      "/flows/:id",
      {
        schema: {
          operationId: "updateFlow",
          summary: "Save a flow file as the flow's next draft version",
          tags,
          params: IdParams,
          headers: FlowIfMatch,
          body: FlowFile,
          description:
            'Stores the file as the flow\'s next version (201); the same file as the latest version stores nothing and answers 200 with that version and `unchanged: true`. An id not seen yet creates the flow with that id (1-100 letters, digits, _ or -; not "schema"), so importing by id keeps ids stable across installations. With `If-Match` (the `ETag` of GET /flows/:id, `"v7"`), stored only while that version is still the latest: else 412 PRECONDITION_FAILED (`details.currentVersion`) and nothing is stored; `If-Match: *` stores only into an existing flow. The answer\'s `ETag` names the version it stored',
        },
      },
      async (req, reply) => {
        const stored = await deps.flows.addVersion(req.params.id, req.body, ifMatchOf(req.headers));
        return withEtag(reply, flowEtag(stored.version))
          .status(stored.unchanged ? 200 : 201)
          .send(stored);
      },
    );
    app.post(
      "/flows/:id/publish",
      {
        schema: {
          operationId: "publishFlow",
          summary: "Publish a version (default the latest): new conversations start on it",
          tags,
          params: IdParams,
          headers: FlowIfMatch,
          body: PublishBody,
          description:
            "With `If-Match` (the flow's `ETag`), published only while that version is still the latest (else 412, nothing changes)",
        },
      },
      async (req) =>
        deps.flows.publish(req.params.id, req.body?.version, req.body?.waitingRuns, ifMatchOf(req.headers)),
    );
    app.post(
      "/flows/:id/unpublish",
      {
        schema: {
          operationId: "unpublishFlow",
          summary: "Stop starting new conversations on the flow",
          tags,
          params: IdParams,
          headers: FlowIfMatch,
          description:
            "No version takes new conversations any more; runs already started go on on their version (`activeRuns`: how many). Publishing again resumes. With `If-Match` (the flow's `ETag`), only while that version is still the latest (else 412, nothing changes).",
        },
      },
      async (req) => deps.flows.unpublish(req.params.id, ifMatchOf(req.headers)),
    );
    app.delete(
      "/flows/:id",
      {
        schema: {
          operationId: "deleteFlow",
          summary: "Delete a flow and all its versions",
          tags,
          params: IdParams,
          headers: FlowIfMatch,
          description:
            "Deletes a flow with all its versions: only one that is not published, has no run in its history, is no published flow's subflow and no active run is inside it as a subflow (409 says which). With `If-Match` (the flow's `ETag`), only while that version is still the latest (else 412, nothing changes)",
        },
      },
      async (req, reply) => {
        await deps.flows.remove(req.params.id, ifMatchOf(req.headers));
        return reply.status(204).send();
      },
    );
    app.get(
      "/flows/:id/versions",
      {
        schema: {
          operationId: "listFlowVersions",
          summary: "Every stored version of a flow, newest first",
          tags,
          params: IdParams,
          description:
            "Every stored version, newest first: `isPublished` marks the one new runs start on, `isLatest` the newest; `createdAt` and `publishedAt` (when it was last published: a rollback publishes an older one again) are ms since epoch. The `ETag` is the flow's (its latest version), as GET /flows/:id sends it",
        },
      },
      async (req, reply) => {
        const items = await deps.flows.versions(req.params.id);
        const latest = items.find((v) => v.isLatest);
        if (latest) withEtag(reply, flowEtag(latest.version));
        return { items };
      },
    );
    app.get(
      "/flows/:id/diff",
      {
        schema: {
          operationId: "diffFlowVersions",
          summary: "What changed between two versions of a flow",
          tags,
          params: IdParams,
          querystring: DiffQuery,
          description:
            "What changed between two versions: steps added, removed, changed (JSON paths with old and new values) and moved, then trigger and top-level changes",
        },
      },
      async (req) => deps.flows.diff(req.params.id, req.query.from, req.query.to),
    );
    app.get(
      "/flows/:id/export",
      {
        schema: {
          operationId: "exportFlow",
          summary: "A version as a flow file (canonical JSON: same flow, same bytes)",
          tags,
          params: IdParams,
          querystring: z.strictObject({ version: VersionNumber.optional() }),
        },
      },
      // Canonical bytes (stable key order, 2-space JSON, trailing newline): same flow, same file.
      async (req, reply) =>
        reply
          .type("application/json; charset=utf-8")
          .send(await deps.flows.exportText(req.params.id, req.query.version)),
    );
  };
