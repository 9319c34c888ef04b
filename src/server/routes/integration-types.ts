import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { channelTypes } from "../../channels/registry.js";
import { connectorTypes } from "../../connectors/registry.js";

/**
 * The channel and connection types this Tern knows, each with its config as JSON Schema (from
 * the type's own zod schema, as accepted on input: defaults are optional) and which fields are
 * secrets, so a UI can generate the form to add one. `docs` is the setup guide in the repository.
 */
interface Definition {
  type: string;
  title: string;
  config: z.ZodType;
  secretFields: ReadonlyArray<string>;
  setup?: unknown;
}

const IntegrationType = z.object({
  type: z.string().describe('Persisted identifier, e.g. "whatsapp" or "salesforce"'),
  title: z.string(),
  configSchema: z.record(z.string(), z.unknown()).describe("JSON Schema (2020-12) of the config"),
  secretFields: z.array(z.string()).describe("Config keys that are write-only (a password input)"),
  docs: z.string().optional().describe("Setup guide, a path in the Tern repository"),
  registersWebhook: z
    .boolean()
    .optional()
    .describe("Channels: Tern registers the webhook at the provider by API (POST /channels/:id/setup)"),
});
const TypeList = z.object({ items: z.array(IntegrationType) });

const CONNECTOR_DOCS: Record<string, string> = { salesforce: "docs/salesforce.md" };

function describeType(
  def: Definition,
  docs: string | undefined,
  kind: "channel" | "connection",
): z.infer<typeof IntegrationType> {
  // "any" for what JSON Schema cannot say (refinements): the server still validates on create.
  const configSchema = z.toJSONSchema(def.config, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    type: def.type,
    title: def.title,
    configSchema,
    secretFields: [...def.secretFields],
    ...(docs ? { docs } : {}),
    ...(kind === "channel" ? { registersWebhook: def.setup !== undefined } : {}),
  };
}

// Computed once: the registries are fixed for the life of the process.
let cache: { channels: z.infer<typeof TypeList>; connections: z.infer<typeof TypeList> } | undefined;
function types() {
  cache ??= {
    channels: {
      items: Object.values(channelTypes).map((d) =>
        describeType(d as unknown as Definition, `docs/channels/${d.type}.md`, "channel"),
      ),
    },
    connections: {
      items: Object.values(connectorTypes).map((d) => describeType(d, CONNECTOR_DOCS[d.type], "connection")),
    },
  };
  return cache;
}

export const integrationTypeRoutes = (): FastifyPluginAsync => async (base) => {
  const app = base.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/channel-types",
    {
      schema: {
        operationId: "listChannelTypes",
        tags: ["channels"],
        summary: "Every channel type with its config schema and secret fields (to build a form)",
        response: { 200: TypeList },
      },
    },
    async () => types().channels,
  );
  app.get(
    "/connection-types",
    {
      schema: {
        operationId: "listConnectionTypes",
        tags: ["connections"],
        summary: "Every connection type with its config schema and secret fields (to build a form)",
        response: { 200: TypeList },
      },
    },
    async () => types().connections,
  );
};
