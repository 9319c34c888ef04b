import type { ReactNode } from "react";
import type { JsonSchema, SObjectDescribe } from "../../api/types";
import { TRANSITION_FIELDS } from "./flow-graph";
import type { Problem } from "./problems";
import { ItemList, JsonInput, KeyValueRows, LinesInput } from "./schema-widgets";
import { isTemplate, resolve } from "./step-schemas";
import { TemplateInput } from "./variable-picker";
import type { Variable } from "./variables";

/**
 * A form generated from a JSON Schema object: one labelled input per property (the label is the
 * property name, the description is the help text). Strings, enums, numbers, booleans, lists of
 * strings, string maps (key/value rows), lists of objects and transitions (selects of step ids);
 * anything else is edited as JSON.
 */
export interface FormContext {
  root: JsonSchema;
  stepIds: string[];
  variables: Variable[];
  /** Names of the installation's connections (a datalist for `connection`). */
  connections: string[];
  /** Salesforce describe of the step's object, when the server has it. */
  salesforce: { objects: string[]; describe: SObjectDescribe | null } | null;
  problems: Problem[];
}

type Value = Record<string, unknown>;

export function SchemaForm(props: {
  schema: JsonSchema;
  value: Value;
  onChange(value: Value): void;
  ctx: FormContext;
  idPrefix: string;
  /** Where these properties sit in the step (for problems), e.g. "" or "choices[0]." */
  pathPrefix?: string;
  skip?: readonly string[];
}) {
  const { schema, value, ctx, idPrefix } = props;
  const required = new Set(schema.required ?? []);
  const set = (name: string, next: unknown) => {
    const out = { ...value };
    const isEmpty = next === undefined || (next === "" && !required.has(name));
    if (isEmpty) delete out[name];
    else out[name] = next;
    props.onChange(out);
  };
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, raw]) => {
        if (props.skip?.includes(name)) return null;
        const prop = resolve(ctx.root, raw);
        const id = `${idPrefix}-${name}`;
        const path = `${props.pathPrefix ?? ""}${name}`;
        const problems = ctx.problems.filter(
          (p) => p.where === path || p.where.startsWith(`${path}.`) || p.where.startsWith(`${path}[`),
        );
        return (
          <Field
            key={name}
            id={id}
            name={name}
            schema={prop}
            isRequired={required.has(name)}
            problems={problems}
          >
            {widget({ id, name, schema: prop, value: value[name], onChange: (v) => set(name, v), ctx, path })}
          </Field>
        );
      })}
    </>
  );
}

function Field(props: {
  id: string;
  name: string;
  schema: JsonSchema;
  isRequired: boolean;
  problems: Problem[];
  children: ReactNode;
}) {
  const isGroup = props.schema.type === "array" || props.schema.type === "object";
  const help = props.schema.description ? `${props.id}-help` : undefined;
  return (
    <div className={`field${props.problems.some((p) => p.level === "error") ? " has-problem" : ""}`}>
      <div className="field-head">
        {isGroup ? (
          <span className="label" id={`${props.id}-label`}>
            {props.name}
          </span>
        ) : (
          <label htmlFor={props.id}>{props.name}</label>
        )}
        {props.isRequired && <span className="required-mark">required</span>}
      </div>
      {props.children}
      {help && (
        <p className="help" id={help}>
          {props.schema.description}
        </p>
      )}
      {props.problems.map((p) => (
        <p key={`${p.path}:${p.message}`} className={`field-problem ${p.level}`}>
          {p.message}
        </p>
      ))}
    </div>
  );
}

interface WidgetProps {
  id: string;
  name: string;
  schema: JsonSchema;
  value: unknown;
  onChange(value: unknown): void;
  ctx: FormContext;
  path: string;
}

function widget(p: WidgetProps): ReactNode {
  const { schema, ctx } = p;
  const help = schema.description ? `${p.id}-help` : undefined;
  if ((TRANSITION_FIELDS as readonly string[]).includes(p.name) && schema.type === "string") {
    return (
      <StepSelect id={p.id} value={p.value} stepIds={ctx.stepIds} onChange={p.onChange} describedBy={help} />
    );
  }
  if (schema.const !== undefined) return <input id={p.id} value={String(schema.const)} readOnly />;
  if (schema.enum) {
    return (
      <select
        id={p.id}
        aria-describedby={help}
        value={p.value === undefined ? "" : String(p.value)}
        onChange={(e) => p.onChange(e.target.value === "" ? undefined : e.target.value)}
      >
        <option value="">
          {schema.default === undefined ? "(none)" : `(default: ${String(schema.default)})`}
        </option>
        {schema.enum.map((option) => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  }
  switch (schema.type) {
    case "string":
      return stringWidget(p, help);
    case "integer":
    case "number":
      return (
        <input
          id={p.id}
          type="number"
          aria-describedby={help}
          step={schema.type === "integer" ? 1 : "any"}
          min={schema.minimum}
          max={schema.maximum}
          value={typeof p.value === "number" ? p.value : ""}
          onChange={(e) => p.onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      );
    case "boolean":
      return (
        <input
          id={p.id}
          type="checkbox"
          aria-describedby={help}
          checked={p.value === true}
          onChange={(e) => p.onChange(e.target.checked)}
        />
      );
    case "array": {
      const items = schema.items ? resolve(ctx.root, schema.items) : undefined;
      if (items?.type === "string")
        return <LinesInput id={p.id} name={p.name} value={p.value} onChange={p.onChange} />;
      if (items?.type === "object" && items.properties) return <ItemList {...p} itemSchema={items} />;
      break;
    }
    case "object":
      if (!schema.properties && typeof schema.additionalProperties === "object")
        return <KeyValueRows {...p} />;
      if (schema.properties) {
        return (
          <fieldset className="nested" aria-labelledby={`${p.id}-label`}>
            <SchemaForm
              schema={schema}
              value={asRecord(p.value)}
              onChange={p.onChange}
              ctx={ctx}
              idPrefix={p.id}
              pathPrefix={`${p.path}.`}
            />
          </fieldset>
        );
      }
  }
  return <JsonInput id={p.id} name={p.name} value={p.value} onChange={p.onChange} />;
}

function stringWidget(p: WidgetProps, help: string | undefined): ReactNode {
  const value = typeof p.value === "string" ? p.value : "";
  const list = datalistFor(p.name, p.ctx);
  if (isTemplate(p.schema)) {
    return (
      <TemplateInput
        id={p.id}
        label={p.name}
        value={value}
        multiline={(p.schema.maxLength ?? 0) >= 2000}
        variables={p.ctx.variables}
        describedBy={help}
        list={list}
        onChange={p.onChange}
      />
    );
  }
  return (
    <input
      id={p.id}
      list={list}
      aria-describedby={help}
      value={value}
      onChange={(e) => p.onChange(e.target.value)}
    />
  );
}

function datalistFor(name: string, ctx: FormContext): string | undefined {
  if (name === "connection" && ctx.connections.length > 0) return "editor-connections";
  if (name === "object" && ctx.salesforce && ctx.salesforce.objects.length > 0) return "editor-sobjects";
  return undefined;
}

export function StepSelect(props: {
  id: string;
  value: unknown;
  stepIds: string[];
  onChange(value: string | undefined): void;
  describedBy?: string;
  label?: string;
}) {
  const value = typeof props.value === "string" ? props.value : "";
  const ids = value && !props.stepIds.includes(value) ? [...props.stepIds, value] : props.stepIds;
  return (
    <select
      id={props.id}
      aria-label={props.label}
      aria-describedby={props.describedBy}
      value={value}
      onChange={(e) => props.onChange(e.target.value || undefined)}
    >
      <option value="">(none)</option>
      {ids.map((id) => (
        <option key={id} value={id}>
          {id}
        </option>
      ))}
    </select>
  );
}

export const asRecord = (value: unknown): Value =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Value) : {};
