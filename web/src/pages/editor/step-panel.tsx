import { useState } from "react";
import type { FlowStep } from "../../api/types";
import type { Problem } from "./problems";
import { type FormContext, SchemaForm } from "./schema-form";
import type { StepType } from "./step-schemas";
import type { SalesforceHints } from "./use-salesforce";

/**
 * The selected step: its problems, its form generated from its type's JSON Schema, and the
 * actions on it (make it the start step, delete it).
 */
export function StepPanel(props: {
  step: FlowStep;
  stepType: StepType | undefined;
  isStart: boolean;
  problems: Problem[];
  ctx: Omit<FormContext, "problems" | "salesforce">;
  salesforce: SalesforceHints | null;
  onChange(step: FlowStep): void;
  onSetStart(): void;
  onDelete(): void;
}) {
  const { step, stepType, problems } = props;
  const errors = problems.filter((p) => p.level === "error");
  return (
    <section className="step-panel" aria-labelledby="step-panel-title" data-step-id={step.id}>
      <h2 id="step-panel-title">
        {step.id} <span className="step-type">{stepType?.title ?? step.type}</span>
      </h2>
      {stepType?.description && <p className="hint">{stepType.description}</p>}
      <div className="panel-actions">
        {props.isStart ? (
          <span className="badge start">Start step</span>
        ) : (
          <button type="button" className="secondary" onClick={props.onSetStart}>
            Make start step
          </button>
        )}
        <button type="button" className="danger" onClick={props.onDelete}>
          Delete step<span className="visually-hidden"> {step.id}</span>
        </button>
      </div>
      <div className="step-problems" aria-live="polite">
        {problems.length > 0 && (
          <>
            <h3>
              {errors.length > 0 ? `${errors.length} problem${errors.length === 1 ? "" : "s"}` : "Warnings"}
            </h3>
            <ul>
              {problems.map((p) => (
                <li key={`${p.level}:${p.path}:${p.message}`} className={`problem ${p.level}`}>
                  <code>{p.where || step.id}</code> {p.message}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      {stepType ? (
        <form
          className="schema-form"
          onSubmit={(e) => e.preventDefault()}
          aria-label={`Settings of ${step.id}`}
        >
          <IdField
            id={step.id}
            taken={props.ctx.stepIds}
            onRename={(id) => props.onChange({ ...step, id })}
          />
          <SchemaForm
            schema={stepType.schema}
            value={step}
            onChange={(value) => props.onChange(value as FlowStep)}
            ctx={{ ...props.ctx, salesforce: props.salesforce, problems }}
            idPrefix="step"
            skip={["type", "id"]}
          />
        </form>
      ) : (
        <p className="error">This server has no step type "{step.type}".</p>
      )}
      <Datalists connections={props.ctx.connections} salesforce={props.salesforce} />
    </section>
  );
}

function Datalists(props: { connections: string[]; salesforce: SalesforceHints | null }) {
  const describe = props.salesforce?.describe;
  return (
    <>
      <datalist id="editor-connections">
        {props.connections.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <datalist id="editor-sobjects">
        {(props.salesforce?.objects ?? []).map((o) => (
          <option key={o} value={o} />
        ))}
      </datalist>
      <datalist id="editor-sfields">
        {(describe?.fields ?? []).map((f) => (
          <option key={f.name} value={f.name}>
            {f.label}
            {f.required ? " (required)" : ""}
          </option>
        ))}
      </datalist>
      {(describe?.fields ?? [])
        .filter((f) => f.picklistValues && f.picklistValues.length > 0)
        .map((f) => (
          <datalist key={f.name} id={`editor-picklist-${f.name}`}>
            {f.picklistValues?.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
        ))}
    </>
  );
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The step id, applied when the field is left or Enter is pressed, and only when it is a free
 * identifier: transitions, `start` and the position follow the rename (flow-graph.ts).
 */
function IdField(props: { id: string; taken: string[]; onRename(id: string): void }) {
  const [text, setText] = useState(props.id);
  const problem =
    text === props.id
      ? ""
      : !IDENTIFIER.test(text) || text.length > 64
        ? "A step id starts with a letter or _ and has only letters, digits and _ (at most 64)."
        : props.taken.includes(text)
          ? `Another step is called ${text}.`
          : "";
  const apply = () => {
    if (text !== props.id && problem === "") props.onRename(text);
  };
  return (
    <div className={`field${problem ? " has-problem" : ""}`}>
      <div className="field-head">
        <label htmlFor="step-id">id</label>
        <span className="required-mark">required</span>
      </div>
      <input
        id="step-id"
        value={text}
        aria-describedby="step-id-help"
        aria-invalid={problem !== "" || undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") apply();
        }}
      />
      <p className="help" id="step-id-help">
        Unique in the flow; templates reach its output as steps.&lt;id&gt;. Applied when you leave the field.
      </p>
      {problem && <p className="field-problem error">{problem}</p>}
    </div>
  );
}
