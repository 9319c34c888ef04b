import type { Clock } from "../../core/clock.js";
import type { ConnectorDeps, StoredToken, TokenStore } from "../connector.js";

/** In-memory TokenStore that records writes, for tests. */
export function memoryTokenStore(): TokenStore & { writes: StoredToken[]; data: Map<string, StoredToken> } {
  const data = new Map<string, StoredToken>();
  const writes: StoredToken[] = [];
  return {
    data,
    writes,
    get: async (id) => data.get(id) ?? null,
    set: async (id, token) => {
      data.set(id, token);
      writes.push(token);
    },
  };
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
