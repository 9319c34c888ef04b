import { type ReactNode, useEffect } from "react";
import { discriminatorOf, type FormValue, type JsonSchema, labelOf } from "./json-schema";

/**
 * A discriminated union (`oneOf` of objects told apart by a `const` key, e.g. the http
 * connection's `auth`): a select for the variant, then that variant's own fields.
 */
export function VariantFields({
  variants,
  value,
  onChange,
  idPrefix,
  renderFields,
}: {
  variants: JsonSchema[];
  value: FormValue;
  onChange(value: FormValue): void;
  idPrefix: string;
  secretFields: readonly string[];
  renderFields(variant: JsonSchema, discriminator: string | undefined): ReactNode;
}) {
  const key = discriminatorOf(variants);
  const options = variants.map((v, i) => String(key ? v.properties?.[key]?.const : i));
  const current = key ? String(value[key] ?? "") : "";
  const index = Math.max(0, options.indexOf(current));
  const variant = variants[index] ?? variants[0];

  // The first variant is the one shown until another is chosen: say so in the value too.
  useEffect(() => {
    if (key && value[key] === undefined && options[0] !== undefined)
      onChange({ ...value, [key]: options[0] });
  }, [key, value, options, onChange]);

  if (!key || !variant)
    return <p className="error">This form cannot be shown: its schema has no variant key.</p>;
  const id = `${idPrefix}-${key}`;
  return (
    <>
      <div className="schema-field">
        <label htmlFor={id}>{labelOf(key, variants[0]?.properties?.[key] ?? {})}</label>
        <select id={id} value={options[index]} onChange={(e) => onChange({ [key]: e.target.value })}>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </div>
      {renderFields(variant, key)}
    </>
  );
}
