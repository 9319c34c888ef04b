import { execFile } from "node:child_process";
import { builtCli, packageRoot } from "../../src/core/paths.js";
import type { Sandbox } from "../../src/sandbox/stack.js";

/**
 * The README's "Connect the real thing", steps 1–3, as a user types them: an admin call per step
 * against `baseUrl`, pointing at `org` (a separate Salesforce emulator and WhatsApp simulator that
 * stand for the user's own org and Meta), and the CLI for the flow import.
 */
export interface ApiAnswer {
  status: number;
  body: {
    id?: string;
    webhookUrl?: string;
    error?: { code: string; message: string };
    [key: string]: unknown;
  };
}

export function adminApi(baseUrl: string, token: string) {
  return async (method: string, apiPath: string, body?: unknown): Promise<ApiAnswer> => {
    const res = await fetch(`${baseUrl}/api/v1${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiAnswer["body"]) : {} };
  };
}
export type AdminApi = ReturnType<typeof adminApi>;

/** Step 1: `POST /api/v1/connections` with the org's Connected App credentials. */
export function createConnection(api: AdminApi, org: Sandbox, name = "salesforce") {
  const creds = org.sf.credentials;
  return api("POST", "/connections", {
    type: "salesforce",
    name,
    config: {
      loginUrl: creds.loginUrl,
      clientId: creds.clientId,
      clientSecret: creds.clientSecret,
      refreshToken: creds.refreshToken,
    },
  });
}

/** Step 2: `POST /api/v1/channels` with the Meta app's WhatsApp settings. */
export function createChannel(api: AdminApi, org: Sandbox, name = "whatsapp") {
  return api("POST", "/channels", { type: "whatsapp", name, config: org.wa.config });
}

/** Step 3: `npx tern flows import templates/whatsapp-lead.json --publish`, from the package root. */
export function importTemplate(
  baseUrl: string,
  token: string,
  file = "templates/whatsapp-lead.json",
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = builtCli();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, "flows", "import", file, "--publish"],
      {
        cwd: packageRoot(),
        env: { ...process.env, TERN_URL: baseUrl, TERN_ADMIN_TOKEN: token },
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") return reject(error);
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** Whether anything still answers at this URL (a closed emulator refuses the connection). */
export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
