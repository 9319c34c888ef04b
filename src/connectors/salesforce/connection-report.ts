import type { SalesforceSession } from "./auth/session.js";
import { parseLimitInfo } from "./client.js";
import type { SalesforceConfig } from "./config.js";
import { parseJson } from "./errors/errors.js";

/**
 * What a connection test reports beyond "who am I": the daily API allocation (`GET /limits/`,
 * reference §2.8, needs "View Setup and Configuration"; else the last `Sforce-Limit-Info`
 * header, §2.1) and whether this user may create Leads and Cases (describeGlobal
 * `sobjects[].createable`, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm).
 * Each part is best-effort: a missing permission is reported, not thrown.
 */
export interface ConnectionReport {
  dailyApiRequests: { used: number; max: number; source: "limits" | "Sforce-Limit-Info" } | null;
  createable: { Lead: boolean; Case: boolean } | null;
}

async function getJson(
  session: SalesforceSession,
  config: SalesforceConfig,
  path: string,
): Promise<{ body: unknown; limitHeader: string | null; ok: boolean }> {
  const { response, text } = await session.send(config, (token) => ({
    url: `${token.instanceUrl}/services/data/v${config.apiVersion}${path}`,
    init: {
      method: "GET",
      headers: { Accept: "application/json", Authorization: `Bearer ${token.accessToken}` },
      signal: AbortSignal.timeout(30_000),
    },
  }));
  return { body: parseJson(text), limitHeader: response.headers.get("sforce-limit-info"), ok: response.ok };
}

export async function connectionReport(
  session: SalesforceSession,
  config: SalesforceConfig,
): Promise<ConnectionReport> {
  const report: ConnectionReport = { dailyApiRequests: null, createable: null };
  const global = await getJson(session, config, "/sobjects/").catch(() => null);
  if (global?.ok) {
    const sobjects = (global.body as { sobjects?: Array<{ name?: unknown; createable?: unknown }> })
      ?.sobjects;
    const createable = (name: string) =>
      Array.isArray(sobjects) && sobjects.some((o) => o.name === name && o.createable === true);
    report.createable = { Lead: createable("Lead"), Case: createable("Case") };
  }
  const limits = await getJson(session, config, "/limits/").catch(() => null);
  const daily = (limits?.body as { DailyApiRequests?: { Max?: unknown; Remaining?: unknown } } | undefined)
    ?.DailyApiRequests;
  if (limits?.ok && typeof daily?.Max === "number" && typeof daily.Remaining === "number") {
    report.dailyApiRequests = { used: daily.Max - daily.Remaining, max: daily.Max, source: "limits" };
  } else {
    const info = parseLimitInfo(limits?.limitHeader ?? global?.limitHeader ?? null);
    if (info) report.dailyApiRequests = { ...info, source: "Sforce-Limit-Info" };
  }
  return report;
}
