import type { ChannelDefinition } from "../channels/channel.js";
import { getChannelDefinition } from "../channels/registry.js";
import type { ConnectorDeps, ConnectorRuntime } from "../connectors/connector.js";
import { getConnectorDefinition } from "../connectors/registry.js";
import { AppError } from "../core/app-error.js";
import type { Store } from "../store/store.js";

/**
 * Resolved channels and connections, cached by id: decrypting secrets and parsing config on
 * every webhook would dominate the ingest path. Writes through the API invalidate the cache.
 * A connection's runtime is kept for the life of the process so that its token cache and
 * single-flight refresh are shared by every run.
 */
export interface ResolvedChannel {
  id: string;
  name: string;
  definition: ChannelDefinition;
  config: unknown;
}

export interface ResolvedConnection {
  id: string;
  name: string;
  config: unknown;
  runtime: ConnectorRuntime<unknown>;
}

export function createIntegrations(store: Store, connectorDeps: Omit<ConnectorDeps, "tokens">) {
  const channels = new Map<string, ResolvedChannel>();
  const connections = new Map<string, ResolvedConnection>();
  // "type\0account" → ids of the channels owning that provider account; built on first use.
  let byAccount: Map<string, string[]> | null = null;

  const resolveChannel = (id: string): ResolvedChannel => {
    const cached = channels.get(id);
    if (cached) return cached;
    const record = store.channels.get(id);
    if (!record) throw new AppError("CHANNEL_NOT_FOUND", `No channel with id "${id}"`);
    const definition = getChannelDefinition(record.type);
    if (!definition)
      throw new AppError("CHANNEL_NOT_FOUND", `Channel type "${record.type}" is not supported`);
    const resolved = { id, name: record.name, definition, config: definition.config.parse(record.config) };
    channels.set(id, resolved);
    return resolved;
  };

  return {
    channel: resolveChannel,
    connection(name: string): ResolvedConnection {
      const cached = connections.get(name);
      if (cached) return cached;
      const record = store.connections.getByName(name);
      if (!record) {
        throw new AppError(
          "CONNECTION_NOT_FOUND",
          `No connection named "${name}". Create it with POST /api/v1/connections or fix the step's "connection".`,
        );
      }
      const definition = getConnectorDefinition(record.type);
      if (!definition)
        throw new AppError("CONNECTION_INVALID", `Connector type "${record.type}" is not supported`);
      const config = definition.config.parse(record.config);
      const runtime = definition.create(record.id, {
        ...connectorDeps,
        tokens: store.tokens,
      }) as ConnectorRuntime<unknown>;
      const resolved = { id: record.id, name: record.name, config, runtime };
      connections.set(name, resolved);
      return resolved;
    },
    /**
     * Channels of this type that own a provider account (WhatsApp: a phone number id), for a
     * webhook addressed to an account other than the receiving channel's. Usually one; several
     * only when two channels were configured with the same account.
     */
    channelsForAccount(type: string, account: string): ResolvedChannel[] {
      if (!byAccount) {
        byAccount = new Map();
        for (const record of store.channels.list()) {
          const definition = getChannelDefinition(record.type);
          const parsed = definition?.config.safeParse(record.config);
          if (!definition?.account || !parsed?.success) continue;
          const key = `${record.type}\u0000${definition.account(parsed.data)}`;
          byAccount.set(key, [...(byAccount.get(key) ?? []), record.id]);
        }
      }
      return (byAccount.get(`${type}\u0000${account}`) ?? []).map((id) => resolveChannel(id));
    },
    invalidate(): void {
      byAccount = null;
      channels.clear();
      connections.clear();
    },
  };
}
export type Integrations = ReturnType<typeof createIntegrations>;
