import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError, isAppError } from "../../core/app-error.js";
import type { IntegrationRecord } from "../../store/repos/integration-repo.js";
import type { AppDeps } from "../app.js";
import { oauthConnectOf } from "./oauth-callback.js";

/**
 * What a connection's system holds, for the editor's object and field pickers: Salesforce's
 * describeGlobal and describe, through the connection's runtime (the same cache the flow checks
 * and steps use: connectors/salesforce/describe.ts). Read-only; never changes the org.
 */
const Params = z.object({ id: z.string().min(1).max(200).describe("The connection's id or name") });
const ObjectParams = Params.extend({
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, "an object API name such as Lead or Invoice__c")
    .describe("The object's API name"),
});

const ObjectItem = z.object({ name: z.string(), label: z.string(), createable: z.boolean() });
const ObjectList = z.object({ items: z.array(ObjectItem) });
const Field = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  required: z.boolean().describe("createable, not nillable and not defaulted on create"),
  createable: z.boolean(),
  updateable: z.boolean(),
  length: z.number(),
  picklistValues: z.array(z.string()).optional().describe("Active values, for picklist fields"),
});
const ObjectDescribe = z.object({ name: z.string(), label: z.string(), fields: z.array(Field) });

interface DescribedField {
  name: string;
  label: string;
  type: string;
  length?: number;
  nillable: boolean;
  createable: boolean;
  updateable?: boolean;
  defaultedOnCreate: boolean;
  picklistValues?: Array<{ value: string; active: boolean }>;
}

const toField = (f: DescribedField): z.infer<typeof Field> => {
  const values = (f.picklistValues ?? []).filter((v) => v.active).map((v) => v.value);
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    // The rule of mapping-check.ts (reference/salesforce.md §2.4): Lead's LastName and Company.
    required: f.createable && !f.nillable && !f.defaultedOnCreate,
    createable: f.createable,
    updateable: f.updateable ?? f.createable,
    length: f.length ?? 0,
    ...(values.length > 0 ? { picklistValues: values } : {}),
  };
};

export const connectionObjectRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["connections"];
    const oauth = oauthConnectOf(deps);

    const find = async (idOrName: string): Promise<IntegrationRecord> => {
      const record =
        (await deps.store.connections.get(idOrName)) ?? (await deps.store.connections.getByName(idOrName));
      if (!record) throw new AppError("CONNECTION_NOT_FOUND", `No connection with id or name "${idOrName}"`);
      return record;
    };

    /** Asks the connection's runtime for a fact; the far side's failures become a clear 502. */
    const fact = async (idOrName: string, name: string, input: Record<string, unknown>) => {
      const record = await find(idOrName);
      const resolved = await deps.integrations.connection(record.name);
      const ask = resolved.runtime.facts?.[name];
      if (!ask) {
        throw new AppError(
          "BAD_REQUEST",
          `The connection "${record.name}" is of type "${record.type}", which has no objects to describe; use a Salesforce connection`,
        );
      }
      if (oauth.describe(record).isConnected === false) {
        throw new AppError(
          "CONFLICT",
          `The connection "${record.name}" is not connected yet: connect it (Connections › Connect) first`,
        );
      }
      try {
        return await ask(input, resolved.config);
      } catch (error) {
        const status = isAppError(error) ? error.httpStatus : 502;
        if (status < 500) throw error;
        const why = error instanceof Error ? error.message : String(error);
        throw new AppError(
          isAppError(error) ? error.code : "NETWORK_ERROR",
          `Could not read the objects of "${record.name}" from Salesforce: ${why}`,
          { cause: error },
        );
      }
    };

    app.get(
      "/connections/:id/objects",
      {
        schema: {
          operationId: "listConnectionObjects",
          tags,
          summary: "The Salesforce objects the connection's user can see (describeGlobal), by label",
          params: Params,
          response: { 200: ObjectList },
        },
      },
      async (req) => {
        const objects = (await fact(req.params.id, "objects", {})) as z.infer<typeof ObjectItem>[];
        const items = objects
          .map((o) => ({ name: o.name, label: o.label, createable: o.createable }))
          .sort((a, b) => a.label.localeCompare(b.label));
        return { items };
      },
    );

    app.get(
      "/connections/:id/objects/:name",
      {
        schema: {
          operationId: "describeConnectionObject",
          tags,
          summary: "One Salesforce object's fields: type, required (for create) and picklist values",
          params: ObjectParams,
          response: { 200: ObjectDescribe },
        },
      },
      async (req) => {
        const described = (await fact(req.params.id, "describe", { object: req.params.name })) as {
          name: string;
          label: string;
          fields: DescribedField[];
        } | null;
        if (!described) {
          throw new AppError(
            "NOT_FOUND",
            `Salesforce has no object "${req.params.name}" that this connection's user can see`,
          );
        }
        return { name: described.name, label: described.label, fields: described.fields.map(toField) };
      },
    );
  };
