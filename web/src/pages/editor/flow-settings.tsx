import { useEffect, useState } from "react";
import type { FlowFile } from "../../api/types";
import type { Problem } from "./problems";

/**
 * The flow's own settings, shown when no step is selected: its name and its trigger. A message
 * trigger is edited here (channel types, keywords, when it starts, its cooldown); other triggers are
 * kept as written.
 */
export function FlowSettings(props: {
  flow: FlowFile;
  problems: Problem[];
  channelTypes: string[];
  onChange(flow: FlowFile): void;
}) {
  const { flow } = props;
  const trigger = flow.trigger;
  const isMessage = trigger.type === "message";
  const setTrigger = (patch: Record<string, unknown>) => {
    const next: Record<string, unknown> = { ...trigger, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    props.onChange({ ...flow, trigger: next as FlowFile["trigger"] });
  };
  return (
    <section className="step-panel" aria-labelledby="flow-settings-title">
      <h2 id="flow-settings-title">Flow</h2>
      <p className="hint">Select a step on the canvas to edit it, or add one from the palette.</p>
      <div className="field">
        <label htmlFor="flow-name">Name</label>
        <input
          id="flow-name"
          value={flow.name}
          onChange={(e) => props.onChange({ ...flow, name: e.target.value })}
        />
      </div>
      <div className="field">
        <span className="label">Trigger</span>
        {isMessage ? (
          <>
            <label htmlFor="flow-channels">Channel types</label>
            <CommaList
              id="flow-channels"
              describedBy="flow-channels-help"
              list="editor-channel-types"
              value={trigger.channels}
              onChange={(channels) => setTrigger({ channels })}
            />
            <p className="help" id="flow-channels-help">
              Comma-separated, e.g. whatsapp, sms: inbound messages on these channel types start the flow
            </p>
            <datalist id="editor-channel-types">
              {props.channelTypes.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
            <label htmlFor="flow-keywords">Keywords</label>
            <CommaList
              id="flow-keywords"
              value={trigger.keywords}
              onChange={(keywords) => setTrigger({ keywords: keywords.length > 0 ? keywords : undefined })}
            />
            <label htmlFor="flow-on">Starts on</label>
            <select
              id="flow-on"
              value={trigger.on === "first" ? "first" : "any"}
              onChange={(e) => setTrigger({ on: e.target.value === "first" ? "first" : undefined })}
            >
              <option value="any">any message without an active run</option>
              <option value="first">only a conversation's first message</option>
            </select>
            <label htmlFor="flow-cooldown">Cooldown</label>
            <input
              id="flow-cooldown"
              aria-describedby="flow-cooldown-help"
              placeholder="e.g. PT12H"
              value={typeof trigger.cooldown === "string" ? trigger.cooldown : ""}
              onChange={(e) => setTrigger({ cooldown: e.target.value.trim() || undefined })}
            />
            <p className="help" id="flow-cooldown-help">
              An ISO-8601 duration: after its run in a conversation ended, the flow does not start there again
              for this long (a "thanks" after the last reply starts nothing). Empty: no cooldown
            </p>
          </>
        ) : (
          <p>
            A <code>{trigger.type}</code> trigger (kept as written; edit it in the flow file).
          </p>
        )}
      </div>
      {props.problems.length > 0 && (
        <ul className="step-problems" aria-label="Flow problems">
          {props.problems.map((p) => (
            <li key={`${p.path}:${p.message}`} className={`problem ${p.level}`}>
              <code>{p.path}</code> {p.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const split = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

/** A list typed as comma-separated text; the text is kept while typing ("whatsapp, " stays). */
function CommaList(props: {
  id: string;
  value: unknown;
  list?: string;
  describedBy?: string;
  onChange(value: string[]): void;
}) {
  const joined = Array.isArray(props.value) ? props.value.join(", ") : "";
  const [text, setText] = useState(joined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change from outside (undo) resets the text.
  useEffect(() => {
    if (split(text).join(", ") !== joined) setText(joined);
  }, [joined]);
  return (
    <input
      id={props.id}
      list={props.list}
      aria-describedby={props.describedBy}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        props.onChange(split(e.target.value));
      }}
    />
  );
}
