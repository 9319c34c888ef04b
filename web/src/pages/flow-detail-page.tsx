import { useState } from "react";
import { api } from "../api/client";
import type { FlowVersion } from "../api/types";
import { saveBlob } from "../components/download";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { useLoad } from "../components/use-load";
import { FlowLifecycle } from "./flow-lifecycle";
import { StateBadge } from "./flows-page";

const when = (ms: number | null) => (ms === null ? "–" : new Date(ms).toLocaleString());

/** A flow's versions, newest first, with publish (latest) and rollback (older) per version. */
export function FlowDetailPage({ id }: { id: string }) {
  const flow = useLoad(() => api.getFlow(id));
  const versions = useLoad(() => api.versions(id));
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState("");
  const [busyVersion, setBusyVersion] = useState<number | null>(null);
  // Deleted here: the page says so instead of loading what is gone.
  const [deleted, setDeleted] = useState<string | null>(null);

  const publish = async (v: FlowVersion) => {
    setBusyVersion(v.version);
    setError(null);
    setStatus("");
    try {
      await api.publish(id, v.version);
      setStatus(`Version ${v.version} is published.`);
      versions.reload();
      flow.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusyVersion(null);
    }
  };

  const exportVersion = async (version: number) => {
    try {
      saveBlob(await api.exportFlow(id, version), `${id}-v${version}.json`);
    } catch (e) {
      setError(e);
    }
  };

  const publishedVersion = flow.data?.publishedVersion ?? null;
  if (deleted !== null) {
    return (
      <main>
        <h1>{flow.data?.name ?? id}</h1>
        <p role="status" className="status">
          {deleted}
        </p>
        <p>
          <Link to="/flows">← Flows</Link>
        </p>
      </main>
    );
  }
  return (
    <main>
      <p>
        <Link to="/flows">← Flows</Link>
      </p>
      <div className="page-head">
        <h1>{flow.data?.name ?? id}</h1>
        {flow.data && <StateBadge isPublished={publishedVersion !== null} />}
      </div>
      <p className="hint">
        Flow id <code>{id}</code>
      </p>
      <p>
        <Link to={`/flows/${id}/edit`} className="button">
          Edit
        </Link>{" "}
        <Link to={`/flows/${id}/try`} className="button secondary">
          Try it
        </Link>
      </p>
      {flow.data && (
        <FlowLifecycle
          // A new state of the flow (unpublished, published again) is a new start: no old error.
          key={String(publishedVersion)}
          flow={flow.data}
          onUnpublished={(message) => {
            setStatus(message);
            flow.reload();
            versions.reload();
          }}
          onDeleted={setDeleted}
        />
      )}
      <ErrorMessage error={flow.error ?? versions.error} />
      <ErrorMessage error={error} />
      <p role="status" className="status">
        {status}
      </p>
      <h2>Versions</h2>
      {versions.data === undefined && !versions.error && <p aria-busy="true">Loading versions…</p>}
      {versions.data && (
        <table className="versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Created</th>
              <th scope="col">Last published</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v) => (
              <tr key={v.version} data-version={v.version} aria-current={v.isPublished ? "true" : undefined}>
                <td data-label="Version">
                  v{v.version} {v.isPublished && <span className="badge published">Published</span>}{" "}
                  {v.isLatest && <span className="badge">Latest</span>}
                </td>
                <td data-label="Created">{when(v.createdAt)}</td>
                <td data-label="Last published">{when(v.publishedAt)}</td>
                <td className="row-actions">
                  {!v.isPublished && (
                    <button type="button" disabled={busyVersion !== null} onClick={() => void publish(v)}>
                      {publishLabel(v, publishedVersion)}
                      <span className="visually-hidden"> version {v.version}</span>
                    </button>
                  )}
                  <button type="button" className="link" onClick={() => void exportVersion(v.version)}>
                    Export<span className="visually-hidden"> version {v.version}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function publishLabel(v: FlowVersion, publishedVersion: number | null): string {
  return publishedVersion !== null && v.version < publishedVersion ? "Roll back to" : "Publish";
}
