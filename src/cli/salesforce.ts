import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Command } from "commander";
import { type ApiClient, createApiClient } from "./api-client.js";

/**
 * `tern salesforce connect <name>`: prints the authorize URL of the connection's web server flow,
 * then waits until this sign-in has connected it — by polling the admin API (the browser reached
 * Tern's callback) or by a redirect URL pasted on stdin (the browser could not reach Tern: the
 * CLI hands the code and state to the callback itself).
 */
interface ConnectionView {
  id: string;
  name: string;
  grant?: string;
  isConnected?: boolean;
  callbackUrl?: string;
  /** Changes with every write of the connection; the callback writes the new refresh token. */
  revision?: string;
  health?: { state: string } | null;
}

export interface ConnectOptions {
  api: ApiClient;
  name: string;
  input: Readable;
  out: Writable;
  pollMs?: number;
  /** The state expires after 10 minutes; waiting longer cannot succeed. */
  timeoutMs?: number;
}

async function findByName(api: ApiClient, name: string): Promise<ConnectionView> {
  const list = (await api.request("GET", "/connections")) as { items: ConnectionView[] };
  const found = list.items.find((c) => c.name === name);
  if (!found)
    throw new Error(`No connection named "${name}". Create it with POST /api/v1/connections first.`);
  return found;
}

/** The pasted redirect's query handed to Tern's callback; resolves with the page's text. */
async function deliverPasted(api: ApiClient, line: string): Promise<{ ok: boolean; text: string }> {
  let query: string;
  try {
    query = new URL(line.trim()).search;
  } catch {
    return { ok: false, text: "That is not a URL. Paste the whole address your browser was sent to." };
  }
  const response = await fetch(`${api.baseUrl}/oauth/salesforce/callback${query}`);
  const text = (await response.text())
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return { ok: response.ok, text };
}

const getConnection = async (api: ApiClient, id: string) =>
  (await api.request("GET", `/connections/${id}`)) as ConnectionView;

/**
 * Whether the callback connected it since `before` was read. `isConnected` alone only says a
 * refresh token is set: a connection that needs reconnecting has one too (a revoked one). The
 * callback writes the new token (a new revision) and clears a "reconnect required" mark in the
 * same commit; a rename meanwhile changes the revision but leaves the mark.
 */
const isNewlyConnected = (before: ConnectionView, now: ConnectionView) =>
  now.isConnected === true && now.revision !== before.revision && now.health?.state !== "reconnect_required";

export async function connectSalesforce(options: ConnectOptions): Promise<ConnectionView> {
  const { api, out } = options;
  const connection = await findByName(api, options.name);
  if (connection.grant && connection.grant !== "web_server") {
    out.write(
      `"${connection.name}" uses the ${connection.grant} grant: Tern logs in by itself, nothing to authorize.\n`,
    );
    return connection;
  }
  // Read before the sign-in link exists: whatever the callback writes comes after it.
  const before = await getConnection(api, connection.id);
  const { authorizeUrl } = (await api.request("GET", `/connections/${connection.id}/oauth/start`, undefined, {
    accept: "application/json",
  })) as { authorizeUrl: string };
  out.write(
    `Open this URL in a browser and allow access:\n\n  ${authorizeUrl}\n\nWaiting for Salesforce to send the browser back to ${connection.callbackUrl ?? "Tern"}.\nIf the browser cannot reach Tern, paste here the address it was sent to and press Enter.\n`,
  );
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  const lines = createInterface({ input: options.input });
  let pasted: Promise<{ ok: boolean; text: string }> | null = null;
  let failure: string | null = null;
  lines.on("line", (line) => {
    if (line.trim() === "" || pasted) return;
    pasted = deliverPasted(api, line).then((result) => {
      if (!result.ok) failure = result.text;
      pasted = null;
      return result;
    });
  });
  try {
    for (;;) {
      if (pasted) await pasted;
      if (failure) throw new Error(failure);
      const current = await getConnection(api, connection.id);
      if (isNewlyConnected(before, current)) {
        out.write(`Connected: "${current.name}".\n`);
        return current;
      }
      if (Date.now() > deadline) {
        throw new Error(
          "Timed out waiting for the browser (the sign-in link lasts 10 minutes). Run the command again.",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
    }
  } finally {
    lines.close();
  }
}

export function registerSalesforceCommands(program: Command): void {
  const salesforce = program.command("salesforce").description("Salesforce connections: connect, test");
  salesforce
    .command("connect <name>")
    .description("Connect a Salesforce connection in a browser (OAuth web server flow with PKCE)")
    .action(async (name: string) => {
      await connectSalesforce({ api: createApiClient(), name, input: process.stdin, out: process.stdout });
      // stdin may still be open (a terminal): nothing else to wait for.
      process.exit(0);
    });
  salesforce
    .command("test <name>")
    .description("Test a Salesforce connection: identity, API version and usage, Lead and Case access")
    .action(async (name: string) => {
      const api = createApiClient();
      const connection = await findByName(api, name);
      const result = await api.request("POST", `/connections/${connection.id}/test`);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
