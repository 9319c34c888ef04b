import { useState } from "react";
import { api } from "../api/client";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { TryItPanel } from "../components/try-it/try-it-panel";
import { useLoad } from "../components/use-load";

interface StepView {
  id: string;
  type: string;
}

/** The steps of a flow definition, as far as this page shows them (id and type). */
function stepsOf(definition: unknown): StepView[] {
  const steps = (definition as { steps?: unknown } | undefined)?.steps;
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((s: { id?: unknown; type?: unknown }) =>
    typeof s?.id === "string" ? [{ id: s.id, type: String(s.type ?? "") }] : [],
  );
}

/**
 * `/flows/<id>/try`: the Try it panel on its own, for the flow's latest version (a draft too), with
 * the flow's steps listed and the one the run is at marked (what the canvas does beside the editor).
 */
export function TryItPage({ id }: { id: string }) {
  const flow = useLoad(() => api.getFlow(id));
  const [stepId, setStepId] = useState<string | null>(null);
  const data = flow.data;
  const steps = stepsOf(data?.definition);
  return (
    <main>
      <p className="wrap">
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
            .
          </p>
          <TryItPanel key={data.latestVersion} flowId={id} version={data.latestVersion} onStep={setStepId} />
          {steps.length > 0 && (
            <>
              <h2>Steps</h2>
              <ol className="try-steps" aria-label="Steps of the flow">
                {steps.map((s) => (
                  <li
                    key={s.id}
                    data-step-id={s.id}
                    aria-current={s.id === stepId ? "step" : undefined}
                    className={s.id === stepId ? "current" : undefined}
                  >
                    <code>{s.id}</code> <span className="hint">{s.type}</span>
                  </li>
                ))}
              </ol>
            </>
          )}
        </>
      )}
    </main>
  );
}
