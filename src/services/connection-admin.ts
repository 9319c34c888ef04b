import { getConnectorDefinition } from "../connectors/registry.js";
import { createIntegrationAdmin } from "./integration-admin.js";

type Deps = Omit<Parameters<typeof createIntegrationAdmin>[0], "kind" | "definition" | "idPrefix">;

/** The admin of connections (Salesforce, http…): the integration admin for their kind. */
export function createConnectionAdmin(deps: Deps) {
  return createIntegrationAdmin({
    ...deps,
    kind: "connection",
    definition: getConnectorDefinition,
    idPrefix: "conn",
  });
}
