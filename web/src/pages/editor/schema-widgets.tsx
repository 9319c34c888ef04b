import { useEffect, useState } from "react";
import type { JsonSchema } from "../../api/types";
import { type Row, toRecord, toRows } from "./kv-rows";
import { asRecord, type FormContext, SchemaForm } from "./schema-form";
import { isTemplate, resolve } from "./step-schemas";
import { TemplateInput } from "./variable-picker";

/** The inputs schema-form.tsx uses for lists, maps and anything it has no better input for. */
interface Props {
  id: string;
  name: string;
  schema: JsonSchema;
  value: unknown;
  onChange(value: unknown): void;
  ctx: FormContext;
  path: string;
}

/** A list of strings, one a line. */
export function LinesInput(props: {
  id: string;
  name: string;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const lines = Array.isArray(props.value) ? props.value.map(String) : [];
  const [text, setText] = useState(lines.join("\n"));
  const joined = lines.join("\n");
  // Undo/redo replaces the value from outside: show it unless it is what we typed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change from outside resets the text.
  useEffect(() => {
    if (splitLines(text).join("\n") !== joined) setText(joined);
  }, [joined]);
  return (
    <textarea
      id={props.id}
      aria-labelledby={`${props.id}-label`}
      rows={Math.max(2, lines.length + 1)}
      placeholder="One per line"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const next = splitLines(e.target.value);
        props.onChange(next.length === 0 ? undefined : next);
      }}
    />
  );
}
const splitLines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** A list of objects (choices, conditions, paths): a small form per item. */
export function ItemList(props: Props & { itemSchema: JsonSchema }) {
  const items = Array.isArray(props.value) ? (props.value as unknown[]) : [];
  const change = (next: unknown[]) => props.onChange(next.length === 0 ? undefined : next);
  return (
    <fieldset className="item-list" aria-labelledby={`${props.id}-label`}>
      {items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: items have no id of their own; position is identity here.
        <fieldset key={i} className="nested">
          <legend>
            {props.name} {i + 1}
          </legend>
          <SchemaForm
            schema={props.itemSchema}
            value={asRecord(item)}
            onChange={(v) => change(items.map((old, j) => (j === i ? v : old)))}
            ctx={props.ctx}
            idPrefix={`${props.id}-${i}`}
            pathPrefix={`${props.path}[${i}].`}
          />
          <button type="button" className="link" onClick={() => change(items.filter((_, j) => j !== i))}>
            Remove {props.name} {i + 1}
          </button>
        </fieldset>
      ))}
      <button type="button" className="secondary" onClick={() => change([...items, {}])}>
        Add to {props.name}
      </button>
    </fieldset>
  );
}

/**
 * A string map (Salesforce `fields`, http `headers`, set `vars`) as key/value rows. With a
 * Salesforce describe the keys offer the object's fields, picklists offer their values, and
 * required fields that are not mapped are listed with a button that adds them.
 */
export function KeyValueRows(props: Props) {
  const [rows, setRows] = useState<Row[]>(() => toRows(props.value));
  const outside = JSON.stringify(asRecord(props.value));
  // Undo/redo replaces the map from outside; rows being typed (an empty key) stay otherwise.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change from outside resets the rows.
  useEffect(() => {
    const fromOutside = toRows(JSON.parse(outside));
    if (JSON.stringify(toRecord(rows)) !== JSON.stringify(toRecord(fromOutside))) setRows(fromOutside);
  }, [outside]);
  const update = (next: Row[]) => {
    setRows(next);
    props.onChange(toRecord(next));
  };
  const valueSchema =
    typeof props.schema.additionalProperties === "object"
      ? resolve(props.ctx.root, props.schema.additionalProperties)
      : {};
  const isTemplateValue = isTemplate(valueSchema) || (valueSchema.anyOf ?? []).some(isTemplate);
  const describe = props.name === "fields" ? props.ctx.salesforce?.describe : null;
  const missing = describe?.fields.filter((f) => f.required && !rows.some((r) => r.key === f.name)) ?? [];
  return (
    <fieldset className="kv-rows" aria-labelledby={`${props.id}-label`}>
      {describe && (
        <p className="hint">
          {describe.label}: required fields{" "}
          {describe.fields
            .filter((f) => f.required)
            .map((f) => f.name)
            .join(", ") || "none"}
          .
        </p>
      )}
      {missing.map((f) => (
        <button
          key={f.name}
          type="button"
          className="secondary required-missing"
          onClick={() => update([...rows, { key: f.name, value: "" }])}
        >
          Map required field {f.name}
        </button>
      ))}
      {rows.map((row, i) => {
        const field = describe?.fields.find((f) => f.name === row.key);
        const setKey = (key: string) => update(rows.map((r, j) => (j === i ? { ...r, key } : r)));
        // A typed value is text: the non-text value the row held is dropped.
        const setValue = (value: string) => update(rows.map((r, j) => (j === i ? { key: r.key, value } : r)));
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a row's key is being edited; position is its identity.
          <div className="kv-row" key={i}>
            <input
              aria-label={`${props.name} ${i + 1}: name`}
              list={describe ? "editor-sfields" : undefined}
              value={row.key}
              onChange={(e) => setKey(e.target.value)}
            />
            {field?.required && (
              <span className="badge required" title="Required by Salesforce">
                required
              </span>
            )}
            {isTemplateValue ? (
              <TemplateInput
                id={`${props.id}-${i}-value`}
                ariaLabel={`${props.name} ${i + 1}: value`}
                label={`${props.name} ${row.key || i + 1}`}
                value={row.value}
                multiline={false}
                variables={props.ctx.variables}
                list={field?.picklistValues ? `editor-picklist-${field.name}` : undefined}
                onChange={setValue}
              />
            ) : (
              <input
                aria-label={`${props.name} ${i + 1}: value`}
                value={row.value}
                onChange={(e) => setValue(e.target.value)}
              />
            )}
            <button type="button" className="link" onClick={() => update(rows.filter((_, j) => j !== i))}>
              Remove
              <span className="visually-hidden">
                {" "}
                {props.name} {row.key || i + 1}
              </span>
            </button>
          </div>
        );
      })}
      <button type="button" className="secondary" onClick={() => setRows([...rows, { key: "", value: "" }])}>
        Add to {props.name}
      </button>
    </fieldset>
  );
}

/** Anything without a better input (conditions, JSON bodies): JSON text, applied when it parses. */
export function JsonInput(props: {
  id: string;
  name: string;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const shown = props.value === undefined ? "" : JSON.stringify(props.value, null, 2);
  const [text, setText] = useState(shown);
  const [error, setError] = useState("");
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change from outside resets the text.
  useEffect(() => {
    if (sameJson(text, props.value)) return;
    setText(shown);
  }, [shown]);
  return (
    <>
      <textarea
        id={props.id}
        aria-labelledby={`${props.id}-label`}
        className="json"
        rows={Math.min(12, Math.max(3, text.split("\n").length))}
        value={text}
        aria-invalid={error !== "" || undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === "") {
            setError("");
            props.onChange(undefined);
            return;
          }
          try {
            props.onChange(JSON.parse(e.target.value));
            setError("");
          } catch {
            setError(`${props.name} is not valid JSON yet`);
          }
        }}
      />
      {error && <p className="field-problem error">{error}</p>}
    </>
  );
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
