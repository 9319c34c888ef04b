import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { ErrorMessage } from "../error-message";
import { Link } from "../link";
import { useLoad } from "../use-load";
import { MessageList } from "./message-list";
import { recordsOf } from "./salesforce-ids";
import { sandboxOffText } from "./sandbox-off";
import { CHANNEL_TITLES, sandboxApi } from "./try-it-api";
import { isActive, stepOf, useTrySession } from "./use-try-session";
import { VarsTable } from "./vars-table";
import "./try-it.css";

/**
 * Try it: talk to a version of a flow (a draft too) as a customer on a channel the built-in sandbox
 * simulates. Start posts /sandbox/try; answers go through /sandbox/messages; the conversation and
 * the run are read while the run is active. `onStep` gets the step the run is at whenever it
 * changes (null once the run ended), for a canvas to highlight.
 */
export function TryItPanel(props: {
  flowId: string;
  version: number;
  /** The canvas has changes not saved yet: Try it plays the saved version, so it says so. */
  hasUnsavedChanges?: boolean;
  onStep(stepId: string | null): void;
}) {
  const status = useLoad(() => sandboxApi.status());
  const { session, conversation, run, error, isBusy, start, say } = useTrySession(props.flowId);
  const [channel, setChannel] = useState("whatsapp");
  const [text, setText] = useState("");
  const ids = { channel: useId(), text: useId(), heading: useId() };

  const stepId = session ? stepOf(run) : null;
  const onStep = useRef(props.onStep);
  onStep.current = props.onStep;
  const reported = useRef<string | null>(null);
  useEffect(() => {
    if (reported.current === stepId) return;
    reported.current = stepId;
    onStep.current(stepId);
  }, [stepId]);
  // Leaving the panel clears a highlight it made.
  useEffect(() => () => void (reported.current !== null && onStep.current(null)), []);

  const sandbox = status.data;
  if (status.error) return <ErrorMessage error={status.error} />;
  if (!sandbox) return <p aria-busy="true">Checking the sandbox…</p>;
  if (!sandbox.isOn) {
    return (
      <section className="try-it" aria-labelledby={ids.heading}>
        <h2 id={ids.heading}>Try it</h2>
        <p className="try-off" role="status">
          Try it talks to the flow through the built-in sandbox, and the sandbox is off:{" "}
          {sandboxOffText(sandbox)}
        </p>
      </section>
    );
  }

  const isRunActive = session !== null && isActive(run);
  const send = (event: FormEvent) => {
    event.preventDefault();
    const message = text.trim();
    if (!message || !isRunActive) return;
    setText("");
    // A refused message (too long, the session ended) goes back in the field, unless more was typed.
    void say({ text: message }).then((isTaken) => {
      if (!isTaken) setText((typed) => typed || message);
    });
  };
  const records = run ? recordsOf(run.steps) : [];

  return (
    <section className="try-it" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Try it</h2>
      <div className="try-controls">
        <div>
          <label htmlFor={ids.channel}>Channel</label>
          <select id={ids.channel} value={channel} onChange={(e) => setChannel(e.target.value)}>
            {sandbox.channelTypes.map((type) => (
              <option key={type} value={type}>
                {CHANNEL_TITLES[type] ?? type}
              </option>
            ))}
          </select>
        </div>
        <button type="button" disabled={isBusy} onClick={() => void start(channel, props.version)}>
          {session ? "Restart" : "Start"}
        </button>
        <span className="hint">Version {props.version}</span>
      </div>
      <p className="hint">
        The customer is played by the built-in sandbox; Salesforce calls go to the sandbox org.
      </p>
      {props.hasUnsavedChanges && (
        <p className="hint" data-testid="try-unsaved">
          Plays the saved version {props.version}: save to try the changes on the canvas.
        </p>
      )}
      <ErrorMessage error={error} />
      {session && (
        <p className="try-run" role="status" data-testid="try-run-status">
          Run <Link to={`/runs/${session.runId}`}>{session.runId}</Link> on{" "}
          {CHANNEL_TITLES[session.channel] ?? session.channel}:{" "}
          <span className={`badge run-${run?.status ?? "queued"}`}>{run?.status ?? "queued"}</span>
          {stepId && (
            <>
              {" "}
              at step <code data-testid="try-step">{stepId}</code>
            </>
          )}
        </p>
      )}
      {session && (
        <div className="try-body">
          <div className="try-chat">
            <MessageList
              conversation={conversation}
              isActive={isRunActive}
              onChoose={(choice) => void say({ choice })}
            />
            <form className="composer" onSubmit={send}>
              <label htmlFor={ids.text} className="visually-hidden">
                Message as the customer
              </label>
              <input
                id={ids.text}
                type="text"
                value={text}
                autoComplete="off"
                placeholder={
                  isRunActive ? "Type as the customer…" : "The run has ended: Restart to try again"
                }
                disabled={!isRunActive}
                onChange={(e) => setText(e.target.value)}
              />
              <button type="submit" disabled={!isRunActive || text.trim() === ""}>
                Send
              </button>
            </form>
          </div>
          <div className="try-details">
            {records.length > 0 && (
              <>
                <h3>Salesforce records</h3>
                <ul className="records">
                  {records.map((r) => (
                    <li key={`${r.stepId}-${r.id}`}>
                      <a href={r.url} target="_blank" rel="noreferrer">
                        {r.id}
                      </a>{" "}
                      <span className="hint">({r.stepId})</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            <h3>Variables</h3>
            <VarsTable vars={run?.vars ?? {}} />
          </div>
        </div>
      )}
      {!session && <p className="hint">Start plays a new customer on the channel you pick.</p>}
    </section>
  );
}
