import { afterEach, beforeEach } from "vitest";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../sandbox/salesforce/index.js";
import { SalesforceConfig, salesforceConnector } from "./index.js";
import { testDeps } from "./test-helpers.js";

/**
 * For the connector's tests: one Salesforce emulator per test (`env.sf`), the connection's
 * config on it, an effect context, a fresh runtime, and a Lead to create.
 */
export function useConnectorFixture() {
  const env = {} as { sf: SalesforceEmulator };
  beforeEach(async () => {
    env.sf = await startSalesforceEmulator();
  });
  afterEach(async () => {
    await env.sf.close();
  });
  const config = () =>
    SalesforceConfig.parse({ ...env.sf.credentials, loginUrl: `${env.sf.credentials.loginUrl}/` });
  const ctx = (over: Partial<{ intentAt: number }> = {}) => ({
    connectionId: "c1",
    intentAt: Date.now(),
    key: "k1",
    ...over,
  });
  const runtime = (deps = testDeps()) => ({ rt: salesforceConnector.create("c1", deps), deps });
  const lead = (i = 0) => ({
    object: "Lead",
    fields: { LastName: `Lovelace ${i}`, Company: "Analytical Engines", LeadSource: "WhatsApp" },
  });
  return { env, config, ctx, runtime, lead };
}
