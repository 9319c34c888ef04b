import type { ChannelDefinition } from "../channels/channel.js";
import { getChannelDefinition } from "../channels/registry.js";
import type { ConnectorDeps, ConnectorRuntime } from "../connectors/connector.js";
import { getConnectorDefinition } from "../connectors/registry.js";
import { AppError } from "../core/app-error.js";
import { INTEGRATIONS_CHANGED } from "../store/repos/change-notice.js";
import type { Store } from "../store/store.js";

/**
 * Resolved channels and connections, cached by id: decrypting secrets and parsing config on
 * every webhook would dominate the ingest path. Writes through the API invalidate the cache at
 * once; a change made by another process (PostgreSQL: several serve and worker processes) is seen
 * within `CHANGE_CHECK_MS` (`watchChanges`).
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

/** How often a process looks for channel or connection changes made by another process. */
export const CHANGE_CHECK_MS = 1_000;

export function createIntegrations(store: Store, connectorDeps: Omit<ConnectorDeps, "tokens">) {
  // Promises, not values: two lookups racing on a miss share one load, so a connection never
  // gets two runtimes (with two token caches and two "single-flight" refreshes).
  const channels = new Map<string, Promise<ResolvedChannel>>();
  const connections = new Map<string, Promise<ResolvedConnection>>();
  // "type\0account" → ids of the channels owning that provider account; built on first use.
  let byAccount: Promise<Map<string, string[]>> | null = null;

  /** The cached load of `key`, started once; a failed load is forgotten so the next call retries. */
  const cached = <T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let hit = map.get(key);
    if (!hit) {
      hit = load();
      map.set(key, hit);
      hit.catch(() => {
        if (map.get(key) === hit) map.delete(key);
      });
    }
    return hit;
  };

  const resolveChannel = (id: string): Promise<ResolvedChannel> =>
    cached(channels, id, async () => {
      const record = await store.channels.get(id);
      // A webhook URL is anyone's to make up: an answer repeats at most the start of its id.
      if (!record)
        throw new AppError(
          "CHANNEL_NOT_FOUND",
          `No channel with id "${id.length > 80 ? `${id.slice(0, 80)}…` : id}"`,
        );
      const definition = getChannelDefinition(record.type);
      if (!definition)
        throw new AppError("CHANNEL_NOT_FOUND", `Channel type "${record.type}" is not supported`);
      return { id, name: record.name, definition, config: definition.config.parse(record.config) };
    });

  const loadAccounts = async (): Promise<Map<string, string[]>> => {
    const accounts = new Map<string, string[]>();
    for (const record of await store.channels.list()) {
      const definition = getChannelDefinition(record.type);
      const parsed = definition?.config.safeParse(record.config);
      if (!definition?.account || !parsed?.success) continue;
      const key = `${record.type}\u0000${definition.account(parsed.data)}`;
      accounts.set(key, [...(accounts.get(key) ?? []), record.id]);
    }
    return accounts;
  };

  // Set by a change made through this process, which drops the cache at once: its next look,
  // and the next NOTIFY (its own, unless another process's came first, which then stands for it),
  // take the change as seen instead of dropping the cache again, and the connections' runtimes
  // (their describe caches, tokens in memory) with it.
  let isOwnChangeUnlooked = false;
  let isOwnChangeUnnoticed = false;
  const forget = (): void => {
    byAccount = null;
    channels.clear();
    connections.clear();
  };
  const invalidate = (): void => {
    forget();
    isOwnChangeUnlooked = true;
    isOwnChangeUnnoticed = true;
  };
  /** Called when `watchChanges` sees a change made by another process. */
  const changeListeners = new Set<() => void>();

  return {
    channel: resolveChannel,
    connection(name: string): Promise<ResolvedConnection> {
      return cached(connections, name, async () => {
        const record = await store.connections.getByName(name);
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
          health: store.connectionHealth,
        }) as ConnectorRuntime<unknown>;
        return { id: record.id, name: record.name, config, runtime };
      });
    },
    /**
     * Channels of this type that own a provider account (WhatsApp: a phone number id), for a
     * webhook addressed to an account other than the receiving channel's. Usually one; several
     * only when two channels were configured with the same account.
     */
    async channelsForAccount(type: string, account: string): Promise<ResolvedChannel[]> {
      const current = byAccount ?? loadAccounts();
      byAccount = current;
      current.catch(() => {
        if (byAccount === current) byAccount = null;
      });
      const ids = (await current).get(`${type}\u0000${account}`) ?? [];
      return Promise.all(ids.map((id) => resolveChannel(id)));
    },
    /** Every channel of a type (a delivery to a deleted channel's URL looks among them). */
    async channelsOfType(type: string): Promise<ResolvedChannel[]> {
      const records = (await store.channels.list()).filter((r) => r.type === type);
      return Promise.all(records.map((r) => resolveChannel(r.id)));
    },
    invalidate,
    /** Calls `listener` whenever `watchChanges` sees the channels or connections change; returns how to stop. */
    onChange(listener: () => void): () => void {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    /**
     * Looks every `everyMs` whether the channels or connections changed (one cheap read of each
     * table) and forgets the cache when they did; returns how to stop looking. Without it a
     * worker process kept sending with a channel's old URL or token after an admin changed it
     * through another process. On PostgreSQL a change's commit also NOTIFYs every process
     * (repos/change-notice.ts), which forgets at once: the look waits for a pool connection and
     * came up to 2.4 s late under load; it stays for a NOTIFY missed while the listener was lost.
     */
    watchChanges(everyMs = CHANGE_CHECK_MS): () => void {
      let seen: string | undefined;
      let isChecking = false;
      const check = async () => {
        if (isChecking) return;
        isChecking = true;
        try {
          const wasOwnChange = isOwnChangeUnlooked;
          isOwnChangeUnlooked = false;
          const now = `${await store.channels.fingerprint()}|${await store.connections.fingerprint()}`;
          if (seen !== undefined && now !== seen && !wasOwnChange) {
            forget();
            for (const listener of changeListeners) listener();
          }
          seen = now;
        } catch {
          // The store is unreachable for a moment: the next look decides.
        } finally {
          isChecking = false;
        }
      };
      void check();
      const timer = setInterval(() => void check(), everyMs);
      timer.unref();
      const stopListening = store.db.listen?.(INTEGRATIONS_CHANGED, (event) => {
        const wasOwnChange = isOwnChangeUnnoticed;
        isOwnChangeUnnoticed = false;
        // Back after a lost connection: whatever was missed meanwhile, dropped whatever it was.
        if (wasOwnChange && event === "notify") return;
        forget();
        for (const listener of changeListeners) listener();
      });
      return () => {
        clearInterval(timer);
        void stopListening?.();
      };
    },
  };
}
export type Integrations = ReturnType<typeof createIntegrations>;
