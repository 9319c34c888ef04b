import type { Clock } from "../../core/clock.js";
import type { DesignEnv } from "../../flows/step.js";
import type { SalesforceEmulator } from "../../sandbox/salesforce/index.js";
import type { ConnectorDeps, StoredToken, TokenStore } from "../connector.js";
import { SalesforceConfig, salesforceConnector } from "./index.js";

/**
 * In-memory TokenStore that records writes, for tests. `exclusive`: it also serializes refreshes
 * the way a database lock shared by several processes does (one queue per connection).
 */
export function memoryTokenStore(
  options: { exclusive?: boolean } = {},
): TokenStore & { writes: StoredToken[]; data: Map<string, StoredToken> } {
  const data = new Map<string, StoredToken>();
  const writes: StoredToken[] = [];
  const locks = new Map<string, Promise<unknown>>();
  const store: TokenStore & { writes: StoredToken[]; data: Map<string, StoredToken> } = {
    data,
    writes,
    get: async (id) => data.get(id) ?? null,
    set: async (id, token) => {
      data.set(id, token);
      writes.push(token);
    },
  };
  if (options.exclusive) {
    store.refreshExclusively = (id, refresh) => {
      const run = (locks.get(id) ?? Promise.resolve()).then(
        () => refresh(data.get(id) ?? null),
        () => refresh(data.get(id) ?? null),
      );
      locks.set(id, run);
      return run;
    };
  }
  return store;
}

export function testDeps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps & { logs: string[] } {
  const logs: string[] = [];
  const clock: Clock = { now: () => Date.now() };
  return {
    fetch: (input, init) => fetch(input, init),
    clock,
    tokens: memoryTokenStore(),
    log: {
      info: (_obj, msg) => void logs.push(`info ${msg ?? ""}`),
      warn: (_obj, msg) => void logs.push(`warn ${msg ?? ""}`),
    },
    logs,
    ...overrides,
  };
}

/**
 * A design environment whose one connection, "salesforce", answers facts (describe, mappings)
 * from the emulator's org through a real runtime over loopback.
 */
export function emulatorDesignEnv(sf: SalesforceEmulator): DesignEnv {
  const config = SalesforceConfig.parse(sf.credentials);
  const runtime = salesforceConnector.create("c1", testDeps());
  return {
    fact: async (connection, name, input) => {
      if (connection !== "salesforce") throw new Error(`no connection named "${connection}"`);
      const answer = runtime.facts?.[name];
      if (!answer) throw new Error(`no fact ${name}`);
      return answer(input, config);
    },
  };
}
