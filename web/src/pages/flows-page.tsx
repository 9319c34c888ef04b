import { type ChangeEvent, useState } from "react";
import { api } from "../api/client";
import type { FlowSummary } from "../api/types";
import { saveBlob } from "../components/download";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { useLoad } from "../components/use-load";
import { navigate } from "../router";
import { TemplateGallery } from "./template-gallery";

export function FlowsPage() {
  const flows = useLoad(api.listFlows);
  const [error, setError] = useState<unknown>(null);
  const [showGallery, setShowGallery] = useState(false);
  // One flow per pick: a second click while the first is being created would make a second flow.
  const [isCreating, setCreating] = useState(false);

  const create = async (definition: unknown) => {
    setError(null);
    setCreating(true);
    try {
      const created = await api.createFlow(definition);
      navigate(`/flows/${created.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setCreating(false);
    }
  };

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    try {
      await create(JSON.parse(await file.text()));
    } catch (e) {
      setError(new Error(`${file.name} is not a flow file: ${e instanceof Error ? e.message : e}`));
    }
  };

  return (
    <main>
      <div className="page-head">
        <h1>Flows</h1>
        <div className="actions">
          <button type="button" onClick={() => navigate("/flows/new")}>
            New flow
          </button>
          <button type="button" onClick={() => setShowGallery((s) => !s)} aria-expanded={showGallery}>
            New from template
          </button>
          <label className="button secondary">
            Import file
            <input
              type="file"
              accept="application/json,.json"
              disabled={isCreating}
              onChange={importFile}
              className="visually-hidden"
            />
          </label>
        </div>
      </div>
      <ErrorMessage error={error} />
      {showGallery && <TemplateGallery onPick={create} isBusy={isCreating} />}
      <ErrorMessage error={flows.error} />
      {flows.data === undefined && !flows.error && <p aria-busy="true">Loading flows…</p>}
      {flows.data?.length === 0 && (
        <p>No flows yet: start a new flow, start from a template or import a flow file.</p>
      )}
      {flows.data && flows.data.length > 0 && <FlowTable flows={flows.data} onError={setError} />}
    </main>
  );
}

function FlowTable({ flows, onError }: { flows: FlowSummary[]; onError: (e: unknown) => void }) {
  const exportFlow = async (flow: FlowSummary) => {
    try {
      saveBlob(await api.exportFlow(flow.id), `${flow.id}.json`);
    } catch (e) {
      onError(e);
    }
  };
  return (
    <table className="flows">
      <caption className="visually-hidden">Flows</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">State</th>
          <th scope="col">Published</th>
          <th scope="col">Latest</th>
          <th scope="col">Last run</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {flows.map((flow) => (
          <tr key={flow.id} data-flow-id={flow.id}>
            <td data-label="Name">
              <Link to={`/flows/${flow.id}`}>{flow.name}</Link>
            </td>
            <td data-label="State">
              <StateBadge isPublished={flow.publishedVersion !== null} />
            </td>
            <td data-label="Published">
              {flow.publishedVersion === null ? "–" : `v${flow.publishedVersion}`}
            </td>
            <td data-label="Latest">v{flow.latestVersion}</td>
            <td data-label="Last run">
              {flow.lastRunAt ? (
                <Link to={`/runs?flowId=${encodeURIComponent(flow.id)}`}>
                  <time dateTime={new Date(flow.lastRunAt).toISOString()}>
                    {new Date(flow.lastRunAt).toLocaleString()}
                  </time>
                </Link>
              ) : (
                "Never"
              )}
            </td>
            <td className="row-actions">
              <Link to={`/flows/${flow.id}/edit`}>
                Edit<span className="visually-hidden"> {flow.name}</span>
              </Link>
              <button type="button" className="link" onClick={() => void exportFlow(flow)}>
                Export<span className="visually-hidden"> {flow.name}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function StateBadge({ isPublished }: { isPublished: boolean }) {
  return (
    <span className={`badge ${isPublished ? "published" : "draft"}`}>
      {isPublished ? "Published" : "Draft"}
    </span>
  );
}
