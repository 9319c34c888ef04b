import type { ConnectorDefinition } from "./connector.js";
import { httpConnector } from "./http/index.js";
import { salesforceConnector } from "./salesforce/index.js";

/** Every connector Tern knows. The server and worker look connectors up only here. */
export const connectorTypes: Record<string, ConnectorDefinition> = {
  salesforce: salesforceConnector as unknown as ConnectorDefinition,
  http: httpConnector as unknown as ConnectorDefinition,
};

export function getConnectorDefinition(type: string): ConnectorDefinition | undefined {
  return Object.hasOwn(connectorTypes, type) ? connectorTypes[type] : undefined;
}
