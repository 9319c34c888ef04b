import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { Connection, ConnectionTest } from "../api/types";
import { type IntegrationDraft, IntegrationForm } from "../components/integration-form";
import { IntegrationsHead } from "../components/integrations-head";
import { confirmSandboxStepsAside } from "../components/sandbox-steps-aside";
import { useLoad } from "../components/use-load";
import { replaceQuery } from "../router";

/** What a person needs to know first: can Tern use it now? */
export function connectionStatus(c: Connection): string {
  if (c.health?.state === "reconnect_required") return "Reconnect required";
  // Nothing to reconnect: the reason says which setting or policy to fix; Test once it is.
  if (c.health?.state === "auth_failed") return "Sign-in refused";
  if (c.health?.state === "paused") return "Paused (API limit)";
  if (c.isConnected === false) return "Not connected";
  return "Connected";
}

/** Navigates the whole window to the provider's sign-in; the callback brings it back here. */
const goTo = (url: string) => window.location.assign(url);

/**
 * Connections to business systems: list with status, add one through a form generated from its
 * type's schema, Connect (OAuth in the browser), test (shows the org's API usage), disconnect,
 * delete. `?connected=<id>` is where the OAuth callback sends the browser back.
 */
export function ConnectionsPage() {
  const list = useLoad(async () => {
    const items = await api.listConnections();
    // The list has no health; each connection's own answer has it (a handful of rows).
    return Promise.all(items.map((c) => api.getConnection(c.id).catch(() => c)));
  });
  const types = useLoad(api.connectionTypes);
  const [isAdding, setAdding] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [tests, setTests] = useState<Record<string, ConnectionTest>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);

  // Back from the provider's consent (`?connected=<id>`): named by the connection's own name, so a
  // crafted link cannot put words of its own on the page.
  const connectedId = useRef(new URLSearchParams(location.search).get("connected"));
  useEffect(() => {
    if (!connectedId.current || !list.data) return;
    const c = list.data.find((item) => item.id === connectedId.current);
    connectedId.current = null;
    replaceQuery({});
    if (c) setMessage(`Connected: "${c.name}" is authorized. Test it to see the org and its API usage.`);
  }, [list.data]);

  const act = async (id: string, what: string, run: () => Promise<string | undefined>) => {
    setBusy(`${what}:${id}`);
    setError(null);
    setMessage("");
    try {
      const done = await run();
      if (done) setMessage(done);
    } catch (e) {
      setError(e);
    } finally {
      // A refused test changes the connection's state too ("Reconnect required").
      list.reload();
      setBusy(null);
    }
  };

  const connect = (c: Connection) =>
    act(c.id, "connect", async () => {
      goTo((await api.startOAuth(c.id)).authorizeUrl);
      return `Opening ${c.type} to authorize "${c.name}"…`;
    });
  const test = (c: Connection) =>
    act(c.id, "test", async () => {
      const result = await api.testConnection(c.id);
      setTests((all) => ({ ...all, [c.id]: result }));
      return result.username ? `"${c.name}" works: signed in as ${result.username}.` : `"${c.name}" works.`;
    });
  const disconnect = (c: Connection) =>
    act(c.id, "disconnect", async () => {
      if (!window.confirm(`Disconnect "${c.name}"? Flows using it fail until it is connected again.`)) return;
      const result = await api.disconnectConnection(c.id);
      return `"${c.name}" is disconnected${result.revocation.revoked ? " and its token revoked" : ""}.`;
    });
  const remove = (c: Connection) =>
    act(c.id, "delete", async () => {
      if (!window.confirm(`Delete the connection "${c.name}"? Flows naming it stop working.`)) return;
      await api.deleteConnection(c.id);
      return `"${c.name}" is deleted.`;
    });
  // Based on the connection as listed: a change made since is refused (412), unless saved anyway.
  const save = (c: Connection) => async (draft: IntegrationDraft, options?: { overwrite: boolean }) => {
    const body = { name: draft.name, config: draft.config };
    await api.updateConnection(c.id, body, options?.overwrite ? undefined : c.revision);
    // A test of the settings before this save says nothing about these.
    setError(null);
    setTests(({ [c.id]: _old, ...others }) => others);
    setEditing(null);
    setMessage(`"${draft.name}" is saved.`);
    list.reload();
  };
  const create = async (draft: IntegrationDraft) => {
    if (!(await confirmSandboxStepsAside("connection"))) return;
    const created = await api.createConnection(draft);
    setAdding(false);
    setMessage(
      created.isConnected === false
        ? `"${created.name}" is added. Connect it to authorize Tern in ${created.type}.`
        : `"${created.name}" is added.`,
    );
    list.reload();
  };

  return (
    <main>
      <IntegrationsHead
        noun="connection"
        title="Connections"
        message={message}
        errors={[error, list.error ?? types.error]}
        isAdding={isAdding}
        setAdding={setAdding}
        types={types.data}
        onSubmit={create}
      />
      {list.data === undefined && !list.error && <p aria-busy="true">Loading connections…</p>}
      {list.data?.length === 0 && <p>No connections yet. Add one to let flows reach Salesforce or an API.</p>}
      <ul className="integrations">
        {(list.data ?? []).map((c) => (
          <li key={c.id} className="card" data-connection-id={c.id}>
            <h2>
              {c.name} <span className="hint">{c.type}</span>
            </h2>
            <p>
              <span className={`badge conn-${c.isConnected === false ? "off" : (c.health?.state ?? "ok")}`}>
                {connectionStatus(c)}
              </span>
              {c.owner === "sandbox" && <span className="hint"> · built-in sandbox</span>}
              {c.grant && <span className="hint"> · grant: {c.grant}</span>}
            </p>
            {c.health?.reason && <p className="error">{c.health.reason}</p>}
            {c.callbackUrl && c.grant === "web_server" && (
              <p className="hint wrap">
                Callback URL for the app: <code>{c.callbackUrl}</code>
              </p>
            )}
            <TestResult result={tests[c.id]} />
            {editing === c.id && types.data && (
              <IntegrationForm
                // A reload after a conflict brings a new revision: a new form from the stored values.
                key={c.revision}
                noun="connection"
                types={types.data}
                edit={{ type: c.type, name: c.name, config: c.config, secretsSet: Object.keys(c.secrets) }}
                onSubmit={save(c)}
                onCancel={() => setEditing(null)}
                onReload={list.reload}
              />
            )}
            <div className="row-actions">
              {c.grant === "web_server" && (
                <button type="button" disabled={busy !== null} onClick={() => void connect(c)}>
                  {c.isConnected ? "Reconnect" : "Connect"}
                  <span className="visually-hidden"> {c.name}</span>
                </button>
              )}
              <button
                type="button"
                className="button secondary"
                disabled={busy !== null || c.isConnected === false}
                onClick={() => void test(c)}
              >
                Test
                <span className="visually-hidden"> {c.name}</span>
              </button>
              {c.grant && c.isConnected && (
                <button
                  type="button"
                  className="button secondary"
                  disabled={busy !== null}
                  onClick={() => void disconnect(c)}
                >
                  Disconnect
                  <span className="visually-hidden"> {c.name}</span>
                </button>
              )}
              {c.owner === "user" && editing !== c.id && (
                <button type="button" className="button secondary" onClick={() => setEditing(c.id)}>
                  Edit<span className="visually-hidden"> {c.name}</span>
                </button>
              )}
              <button
                type="button"
                className="button secondary danger"
                disabled={busy !== null}
                onClick={() => void remove(c)}
                aria-label={`Delete ${c.name}`}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

function TestResult({ result }: { result: ConnectionTest | undefined }) {
  if (!result) return null;
  const usage = result.dailyApiRequests;
  return (
    <dl className="facts test-result" aria-label="Test result">
      {result.username && (
        <>
          <dt>User</dt>
          <dd>{result.username}</dd>
        </>
      )}
      {result.instanceUrl && (
        <>
          <dt>Instance</dt>
          <dd className="wrap">{result.instanceUrl}</dd>
        </>
      )}
      {result.apiVersion && (
        <>
          <dt>API version</dt>
          <dd>
            {result.apiVersion}
            {result.latestApiVersion ? ` (newest ${result.latestApiVersion})` : ""}
          </dd>
        </>
      )}
      <dt>API usage</dt>
      <dd data-testid="api-usage">
        {usage
          ? `${usage.used.toLocaleString()} of ${usage.max.toLocaleString()} daily API requests used`
          : "not reported"}
      </dd>
    </dl>
  );
}
