import { useCallback } from "react";
import { api } from "../api/client";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { TryItPanel } from "../components/try-it/try-it-panel";
import { useLoad } from "../components/use-load";

/** `/flows/<id>/try`: the Try it panel on its own, for the flow's latest version (a draft too). */
export function TryItPage({ id }: { id: string }) {
  const flow = useLoad(() => api.getFlow(id));
  const onStep = useCallback(() => undefined, []);
  const data = flow.data;
  return (
    <main>
      <p>
        <Link to={`/flows/${id}`}>← {data?.name ?? "Flow"}</Link>
      </p>
      <h1>Try {data ? `“${data.name}”` : "the flow"}</h1>
      <ErrorMessage error={flow.error} />
      {data === undefined && !flow.error && <p aria-busy="true">Loading the flow…</p>}
      {data && (
        <>
          <p className="hint">
            Version {data.latestVersion}
            {data.publishedVersion === data.latestVersion
              ? " (published)"
              : data.publishedVersion === null
                ? " (a draft; nothing is published)"
                : ` (a draft; version ${data.publishedVersion} is published)`}
            . The customer is played by the built-in sandbox; Salesforce calls go to the sandbox org.
          </p>
          <TryItPanel key={data.latestVersion} flowId={id} version={data.latestVersion} onStep={onStep} />
        </>
      )}
    </main>
  );
}
