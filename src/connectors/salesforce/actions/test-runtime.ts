import { afterEach, beforeEach, expect } from "vitest";
import { AppError } from "../../../core/app-error.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../../sandbox/salesforce/index.js";
import { SalesforceConfig, salesforceConnector } from "../index.js";
import { testDeps } from "../test-helpers.js";

/** One emulator per test and a connector runtime on it, for the action tests. */
export function useEmulator() {
  const env = {} as { sf: SalesforceEmulator };
  beforeEach(async () => {
    env.sf = await startSalesforceEmulator();
  });
  afterEach(async () => {
    await env.sf.close();
  });
  const config = () => SalesforceConfig.parse({ ...env.sf.credentials });
  const ctx = { connectionId: "c1", intentAt: Date.now(), key: "k1" };
  /** Runs one action of a fresh runtime (its own token cache) against the emulator. */
  const run = (action: string, input: Record<string, unknown>) => {
    const rt = salesforceConnector.create("c1", testDeps());
    const found = rt.actions[action];
    if (!found) throw new Error(`no action ${action}`);
    return found.run(input, config(), ctx) as Promise<Record<string, unknown>>;
  };
  return { env, run };
}

export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
