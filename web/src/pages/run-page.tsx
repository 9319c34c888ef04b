import { useState } from "react";
import { api } from "../api/client";
import type { RunStep } from "../api/types";
import { ContactName } from "../components/contact-name";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { MessageList } from "../components/message-list";
import { useLoad } from "../components/use-load";
import { retryOutcome, settledRun } from "./run-retry";
import { runStepOf } from "./run-step";
import { RunStatusBadge, when } from "./runs-page";

/** A Salesforce record a step's output names: `{ id, url }` (salesforce.create and the like). */
function salesforceRecord(step: RunStep): { id: string; url: string } | null {
  const out = step.output;
  if (!out || typeof out !== "object") return null;
  const { id, url } = out as { id?: unknown; url?: unknown };
  if (typeof id !== "string" || typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
  return { id, url };
}

function Json({ label, value, open }: { label: string; value: unknown; open?: boolean }) {
  if (value === null || value === undefined) return null;
  return (
    <details className="json" open={open}>
      <summary>{label}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

/** One run: its status, variables and every step in order with input, output, error and timing. */
export function RunPage({ id }: { id: string }) {
  const run = useLoad(() => api.getRun(id));
  const messages = useLoad(() => api.runMessages(id));
  // Names read better than ids; a flow or channel deleted since shows its id.
  const flows = useLoad(() => api.listFlows());
  const channels = useLoad(() => api.listChannels());
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);

  const act = async (what: "end" | "retry") => {
    if (what === "end" && !window.confirm("End this run? The customer's conversation stops here.")) return;
    setBusy(true);
    setError(null);
    setMessage("");
    try {
      if (what === "end") {
        await api.endRun(id);
        setMessage("The run is ended.");
      } else {
        const after = await api.retryRun(id);
        setMessage(
          `The API took the retry: the run is ${after.status} at step ${after.currentStep ?? "–"}. Waiting for the result…`,
        );
        run.reload();
        // The page tells what the retry came to, not the answer's "running" of a moment.
        setMessage(retryOutcome(after.currentStep, await settledRun(id)));
      }
      run.reload();
      messages.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const data = run.data;
  return (
    <main>
      <p>
        <Link to="/runs">← Runs</Link>
      </p>
      <div className="page-head">
        <h1>
          Run <code>{id}</code>
        </h1>
        {data && <RunStatusBadge status={data.status} />}
        <div className="actions">
          {data?.status === "waiting" && (
            <button type="button" disabled={busy} onClick={() => void act("end")}>
              End run
            </button>
          )}
          {data?.status === "failed" && (
            <button type="button" disabled={busy} onClick={() => void act("retry")}>
              Retry
            </button>
          )}
        </div>
      </div>
      <ErrorMessage error={run.error} />
      <ErrorMessage error={error} />
      <p role="status" className="status">
        {message}
      </p>
      {data === undefined && !run.error && <p aria-busy="true">Loading the run…</p>}
      {data && (
        <>
          <dl className="facts">
            <dt>Flow</dt>
            <dd data-testid="run-flow">
              <Link to={`/flows/${data.flowId}`}>
                {flows.data?.find((f) => f.id === data.flowId)?.name ?? data.flowId}
              </Link>{" "}
              v{data.flowVersion}
            </dd>
            <dt>Status</dt>
            <dd data-testid="run-status">{data.status}</dd>
            <dt>{runStepOf(data).label}</dt>
            <dd data-testid="run-step">{runStepOf(data).stepId ?? "–"}</dd>
            <dt>Contact</dt>
            <dd className="wrap" data-testid="run-contact">
              <ContactName key={data.contactId} id={data.contactId} />
            </dd>
            <dt>Channel</dt>
            <dd className="wrap" data-testid="run-channel">
              {channels.data?.find((c) => c.id === data.channelId)?.name ?? data.channelId}
            </dd>
            <dt>Started</dt>
            <dd>{when(data.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{when(data.updatedAt)}</dd>
            {data.error && (
              <>
                <dt>Error</dt>
                <dd className="error">
                  {data.error.code}: {data.error.message}
                </dd>
              </>
            )}
            {data.endReason && (
              <>
                <dt>Ended</dt>
                <dd>
                  {data.endReason.code}: {data.endReason.message}
                </dd>
              </>
            )}
          </dl>
          <div className="run-columns">
            <section className="run-timeline" aria-labelledby="timeline-heading">
              <h2 id="timeline-heading">Timeline</h2>
              {data.steps.length === 0 && <p>No steps ran yet.</p>}
              <ol className="timeline">
                {data.steps.map((step) => {
                  const record = salesforceRecord(step);
                  return (
                    <li key={step.visit} data-step-id={step.stepId} className={`step step-${step.status}`}>
                      <h3>
                        {step.stepId} <span className="hint">{step.type}</span>{" "}
                        <RunStatusBadge status={step.status} />
                      </h3>
                      <p className="hint">
                        {when(step.startedAt)} · {step.durationMs} ms
                        {step.next ? ` · next: ${step.next}` : ""}
                      </p>
                      {record && (
                        <p>
                          Salesforce record{" "}
                          <a href={record.url} target="_blank" rel="noreferrer" className="sf-record">
                            {record.id}
                          </a>
                        </p>
                      )}
                      {step.error && (
                        <p className="error">
                          {step.error.code ? `${step.error.code}: ` : ""}
                          {step.error.message ?? JSON.stringify(step.error)}
                        </p>
                      )}
                      <Json label="Input" value={step.input} />
                      <Json label="Output" value={step.output} />
                      <Json label="Error details" value={step.error} />
                    </li>
                  );
                })}
              </ol>
            </section>
            <section className="run-messages" aria-labelledby="messages-heading">
              <h2 id="messages-heading">Messages</h2>
              <ErrorMessage error={messages.error} />
              {messages.data && (
                <MessageList messages={messages.data} label="Messages in and out of this run" />
              )}
            </section>
          </div>
          <h2>Variables</h2>
          <Json label="Variables" value={data.vars} open />
        </>
      )}
    </main>
  );
}
