import type { ConnectorRuntime, StoredToken } from "../connectors/connector.js";
import { getConnectorDefinition } from "../connectors/registry.js";
import type { Clock } from "../core/clock.js";
import type { SalesforceSandbox } from "../flows/flow-test.js";
import { type EmulatorRecord, startSalesforceEmulator } from "../sandbox/salesforce/index.js";

/**
 * The Salesforce org a test case runs against: the built-in emulator (src/sandbox/salesforce) on
 * an ephemeral loopback port, reached through the real Salesforce connector (OAuth refresh, REST
 * client, error mapping), so a flow's `salesforce.*` steps behave as they do against an org.
 * One per test case: records, rules and faults never leak between cases.
 */
export interface SandboxOrg {
  runtime: ConnectorRuntime<unknown>;
  config: unknown;
  /** Applies records, duplicate rules, a canned error; throws a readable Error when it cannot. */
  apply(change: SalesforceSandbox): void;
  /** Records of `object` the run created (not seeded), in creation order. */
  created(object: string): EmulatorRecord[];
  /** Seeded records of `object` the run changed, in seeding order. */
  updated(object: string): EmulatorRecord[];
  close(): Promise<void>;
}

export async function startSandboxOrg(clock: Clock): Promise<SandboxOrg> {
  const emulator = await startSalesforceEmulator({ clock, tokenLatencyMs: 0 });
  const definition = getConnectorDefinition("salesforce");
  if (!definition) throw new Error("the Salesforce connector is not registered");
  const { loginUrl, clientId, clientSecret, refreshToken } = emulator.credentials;
  // A lone create goes out at once anyway; no window keeps a case's timing independent of load.
  const config = definition.config.parse({
    loginUrl,
    clientId,
    clientSecret,
    refreshToken,
    batchWindowMs: 0,
  });
  const tokens = new Map<string, StoredToken>();
  const runtime = definition.create("sandbox", {
    fetch: (input, init) => fetch(input, init),
    clock,
    tokens: {
      get: async (id) => tokens.get(id) ?? null,
      set: async (id, token) => void tokens.set(id, token),
    },
    log: { info: () => {}, warn: () => {} },
  });
  /** Seeded records by id, as they were when seeded (JSON), to tell which the run changed. */
  const seeded = new Map<string, string>();
  const records = (object: string): EmulatorRecord[] => {
    try {
      return emulator.records(object);
    } catch {
      return [];
    }
  };

  const apply = (change: SalesforceSandbox): void => {
    for (const [object, records] of Object.entries(change.records ?? {})) {
      for (const fields of records) {
        try {
          const record = emulator.seedRecord(object, fields);
          seeded.set(record.Id, JSON.stringify(record));
        } catch (error) {
          throw new Error(`cannot add a ${object} record to the sandbox: ${(error as Error).message}`);
        }
      }
    }
    for (const rule of change.duplicateRules ?? []) {
      try {
        emulator.addDuplicateRule(rule);
      } catch (error) {
        throw new Error(`cannot add the duplicate rule: ${(error as Error).message}`);
      }
    }
    const fault = change.failNext;
    if (fault) {
      const body = [{ message: fault.message, errorCode: fault.errorCode, fields: fault.fields ?? [] }];
      emulator.failNext(fault.status, body, { on: fault.on, times: fault.times });
    }
    if (change.apiDisabled !== undefined) emulator.setApiDisabled(change.apiDisabled);
  };

  return {
    runtime,
    config,
    apply,
    created: (object) => records(object).filter((record) => !seeded.has(record.Id)),
    updated: (object) =>
      records(object).filter((record) => {
        const before = seeded.get(record.Id);
        return before !== undefined && before !== JSON.stringify(record);
      }),
    close: () => emulator.close(),
  };
}
