import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { builtCli } from "../../src/core/paths.js";
import { type SalesforceEmulator, startSalesforceEmulator } from "../../src/sandbox/salesforce/index.js";
import { startBareTern } from "../helpers/in-process.js";

/**
 * `tern salesforce connect <name>` as an admin runs it (the built CLI in its own process) on a
 * connection that needs reconnecting: it still holds a refresh token, a revoked one. The command
 * every "reconnect required" message names must wait for this sign-in, not call it connected.
 */
const cli = builtCli();

interface Health {
  state: string;
}

describe("tern salesforce connect on a connection that needs reconnecting", () => {
  let sf: SalesforceEmulator;
  let tern: Awaited<ReturnType<typeof startBareTern>>;
  let app: { clientId: string; clientSecret: string };
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    sf = await startSalesforceEmulator({ tokenLatencyMs: 0 });
    tern = await startBareTern();
    app = sf.addConnectedApp({ callbackUrl: `${tern.tern.url}/oauth/salesforce/callback` });
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  });
  afterAll(async () => {
    await tern?.close();
    await sf?.close();
  });

  const api = async (method: string, apiPath: string, body?: unknown) => {
    const res = await fetch(`${tern.tern.url}/api/v1${apiPath}`, {
      method,
      headers: {
        authorization: `Bearer ${tern.tern.dataDir.adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const health = async (id: string) => (await api("GET", `/connections/${id}`)).json.health as Health;

  /** A connection whose refresh token Salesforce revoked, found out by a test (409, reconnect required). */
  async function revokedConnection(name: string): Promise<string> {
    const refreshToken = sf.issueRefreshToken(app.clientId);
    const created = await api("POST", "/connections", {
      type: "salesforce",
      name,
      config: { loginUrl: sf.url, ...app, refreshToken },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    sf.revokeRefreshToken(refreshToken);
    expect((await api("POST", `/connections/${id}/test`)).status).toBe(409);
    expect(await health(id)).toMatchObject({ state: "reconnect_required" });
    expect((await api("GET", `/connections/${id}`)).json.isConnected).toBe(true);
    return id;
  }

  /** Starts the command; resolves with the authorize URL it printed and its exit. */
  async function connect(name: string) {
    const child = spawn(process.execPath, [cli, "salesforce", "connect", name], {
      env: {
        ...process.env,
        TERN_URL: tern.tern.url,
        TERN_ADMIN_TOKEN: tern.tern.dataDir.adminToken,
      },
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    let authorizeUrl: string | undefined;
    while (!authorizeUrl) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no authorize URL printed:\n${stdout}\n${stderr}`);
      authorizeUrl = /https?:\/\/\S+\/services\/oauth2\/authorize\S+/.exec(stdout)?.[0];
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { child, authorizeUrl, exited, output: () => ({ stdout, stderr }) };
  }

  /** The person's browser: Salesforce approves and sends it to this address. */
  async function consent(authorizeUrl: string): Promise<string> {
    const answer = await fetch(authorizeUrl, { redirect: "manual" });
    expect(answer.status).toBe(302);
    return answer.headers.get("location") ?? "";
  }

  /** Longer than the command's poll interval (1 s) twice over: it would have said "Connected" by now. */
  const stillWaiting = async (exited: Promise<number | null>) =>
    Promise.race([exited.then(() => false), new Promise((r) => setTimeout(() => r(true), 2_500))]);

  it("waits for the browser's sign-in, then says connected and the mark is gone", async () => {
    const id = await revokedConnection("sf-browser");
    const { authorizeUrl, exited, output } = await connect("sf-browser");
    expect(await stillWaiting(exited)).toBe(true);
    // A rename meanwhile writes the connection too: it does not connect it.
    expect((await api("PATCH", `/connections/${id}`, { name: "sf-browser-2" })).status).toBe(200);
    expect(await stillWaiting(exited)).toBe(true);
    expect(output().stdout).not.toContain("Connected");
    expect(await health(id)).toMatchObject({ state: "reconnect_required" });

    const page = await fetch(await consent(authorizeUrl));
    expect(page.status).toBe(200);
    expect(await exited).toBe(0);
    expect(output().stdout).toContain('Connected: "sf-browser-2".');
    expect(await health(id)).toMatchObject({ state: "ok" });
    expect((await api("POST", `/connections/${id}/test`)).status).toBe(200);
  });

  it("takes the redirected address pasted on stdin, then says connected and the mark is gone", async () => {
    const id = await revokedConnection("sf-paste");
    const { child, authorizeUrl, exited, output } = await connect("sf-paste");
    expect(await stillWaiting(exited)).toBe(true);
    child.stdin.write(`${await consent(authorizeUrl)}\n`);
    expect(await exited).toBe(0);
    expect(output().stdout).toContain('Connected: "sf-paste".');
    expect(await health(id)).toMatchObject({ state: "ok" });
    expect((await api("POST", `/connections/${id}/test`)).status).toBe(200);
  });
});
