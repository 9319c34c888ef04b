import { type ChangeEvent, useRef } from "react";
import { insertAt, type Variable } from "./variables";

/**
 * A template text field with a variable picker beside it: choosing an entry inserts
 * `{{ vars.name }}` (or another expression) at the caret, then gives the focus back.
 */
export function TemplateInput(props: {
  id: string;
  value: string;
  multiline: boolean;
  variables: Variable[];
  label: string;
  describedBy?: string;
  list?: string;
  /** When no <label for> names the field (a row of key/value inputs). */
  ariaLabel?: string;
  onChange(value: string): void;
}) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const insert = (expression: string) => {
    const el = ref.current;
    const selection = el
      ? { start: el.selectionStart ?? props.value.length, end: el.selectionEnd ?? props.value.length }
      : null;
    const next = insertAt(props.value, expression, selection);
    props.onChange(next.value);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(next.caret, next.caret);
    });
  };
  const common = {
    id: props.id,
    value: props.value,
    "aria-describedby": props.describedBy,
    "aria-label": props.ariaLabel,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => props.onChange(e.target.value),
  };
  return (
    <div className="template-input">
      {props.multiline ? (
        <textarea ref={ref} rows={3} {...common} />
      ) : (
        <input ref={ref} list={props.list} {...common} />
      )}
      <VariablePicker label={props.label} variables={props.variables} onPick={insert} />
    </div>
  );
}

const GROUPS: Variable["group"][] = ["Variables", "Contact", "Message", "Steps"];

export function VariablePicker(props: {
  label: string;
  variables: Variable[];
  onPick(expression: string): void;
}) {
  return (
    <select
      className="variable-picker"
      aria-label={`Insert a variable into ${props.label}`}
      value=""
      onChange={(e) => {
        if (e.target.value) props.onPick(e.target.value);
      }}
    >
      <option value="">{"{{ }}"}</option>
      {GROUPS.map((group) => {
        const items = props.variables.filter((v) => v.group === group);
        return items.length === 0 ? null : (
          <optgroup key={group} label={group}>
            {items.map((v) => (
              <option key={v.expression} value={v.expression}>
                {v.expression}
              </option>
            ))}
          </optgroup>
        );
      })}
    </select>
  );
}
