import { useState } from "react";
import { api } from "../../api/client";
import type { ConnectionSummary, FlowFile, FlowSummary } from "../../api/types";
import { ErrorMessage } from "../../components/error-message";
import { Link } from "../../components/link";
import { useLoad } from "../../components/use-load";
import { StateBadge } from "../flows-page";
import { Editor } from "./editor";
import { readFlowSchema } from "./step-schemas";

/**
 * `/flows/<id>/edit` (the flow's latest version) and `/flows/new` (a blank flow kept in the page
 * until its first save, which creates it: the API stores only flows with at least one step).
 */
export function EditorPage({ id }: { id: string | null }) {
  const schema = useLoad(api.flowSchema);
  const loaded = useLoad(() => (id ? api.getFlow(id) : Promise.resolve(null)));
  const connections = useLoad(() => api.listConnections().catch((): ConnectionSummary[] => []));
  const channelTypes = useLoad(() =>
    api
      .channelTypes()
      .then((types) => types.map((t) => t.type))
      .catch((): string[] => []),
  );
  const [summary, setSummary] = useState<FlowSummary | null>(null);

  const error = schema.error ?? loaded.error;
  const isReady = schema.data !== undefined && loaded.data !== undefined && connections.data !== undefined;
  const flowSummary = summary ?? loaded.data ?? null;
  return (
    <main className="editor-page">
      <div className="page-head">
        <p className="crumbs">
          <Link to="/flows">← Flows</Link>
          {id && (
            <>
              {" · "}
              <Link to={`/flows/${id}`}>Flow details</Link>
            </>
          )}
        </p>
        <h1>{id ? `Edit ${flowSummary?.name ?? id}` : "New flow"}</h1>
        {flowSummary && (
          <span data-testid="flow-state">
            <StateBadge isPublished={flowSummary.publishedVersion !== null} />{" "}
            {flowSummary.publishedVersion !== null && `published v${flowSummary.publishedVersion} · `}
            latest v{flowSummary.latestVersion}
          </span>
        )}
      </div>
      <ErrorMessage error={error} />
      {!error && !isReady && <p aria-busy="true">Loading the editor…</p>}
      {!error && isReady && schema.data && (
        <Editor
          // A reload after a save conflict brings a newer version: a new editor, not these edits.
          key={loaded.data ? `${loaded.data.latestVersion}:${loaded.data.updatedAt}` : "new"}
          flowId={id}
          initial={loaded.data ? toFlowFile(loaded.data.definition) : blankFlow()}
          latestVersion={loaded.data?.latestVersion ?? null}
          schema={readFlowSchema(schema.data)}
          connections={connections.data ?? []}
          channelTypes={channelTypes.data ?? []}
          onSummary={setSummary}
          onReload={() => {
            setSummary(null);
            loaded.reload();
          }}
        />
      )}
    </main>
  );
}

export function blankFlow(): FlowFile {
  return {
    schema: "tern.flow/v1",
    name: "New flow",
    trigger: { type: "message", channels: ["whatsapp"] },
    steps: [],
  };
}

/** A stored definition as the editor's FlowFile (a file is stored only when it validated). */
function toFlowFile(definition: unknown): FlowFile {
  const file = (typeof definition === "object" && definition !== null ? definition : {}) as FlowFile;
  return { ...blankFlow(), ...file, steps: Array.isArray(file.steps) ? file.steps : [] };
}
