import { type JsonSchema, typeOf } from "./json-schema";

/** One input for a scalar or a list of strings; the label is rendered by the caller (but a checkbox's). */
export function PrimitiveInput({
  id,
  schema,
  value,
  isRequired,
  isSecret,
  describedBy,
  onChange,
  label,
}: {
  id: string;
  schema: JsonSchema;
  value: unknown;
  isRequired: boolean;
  isSecret: boolean;
  describedBy: string | undefined;
  onChange(value: unknown): void;
  /** A checkbox carries its own label after it. */
  label?: string;
}) {
  const common = { id, "aria-describedby": describedBy, required: isRequired };
  const type = typeOf(schema);

  if (schema.enum) {
    const hasEmpty = !isRequired || schema.default !== undefined;
    return (
      <select
        {...common}
        value={value === undefined ? "" : String(value)}
        onChange={(e) => onChange(e.target.value || undefined)}
      >
        {hasEmpty && (
          <option value="">
            {schema.default !== undefined ? `Default (${String(schema.default)})` : "—"}
          </option>
        )}
        {schema.enum.map((option) => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  }
  if (type === "boolean") {
    const checked = value === undefined ? schema.default === true : value === true;
    return (
      <label className="check">
        <input
          {...common}
          required={false}
          type="checkbox"
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
        />{" "}
        {label}
      </label>
    );
  }
  if (type === "number" || type === "integer") {
    return (
      <input
        {...common}
        type="number"
        step={type === "integer" ? 1 : "any"}
        min={schema.minimum}
        max={schema.maximum}
        placeholder={schema.default === undefined ? undefined : String(schema.default)}
        value={typeof value === "number" ? value : ""}
        onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
      />
    );
  }
  if (type === "array" && typeOf(schema.items ?? {}) === "string") {
    const lines = Array.isArray(value) ? value.join("\n") : "";
    return (
      <textarea
        {...common}
        rows={3}
        value={lines}
        placeholder="One per line"
        onChange={(e) =>
          onChange(
            e.target.value
              .split("\n")
              .map((l) => l.trim())
              .filter(Boolean),
          )
        }
      />
    );
  }
  if (type === "string") {
    const text = typeof value === "string" ? value : "";
    // A PEM key is many lines: a textarea, kept out of autofill.
    if (/private.?key|pem/i.test(id)) {
      return (
        <textarea
          {...common}
          rows={4}
          autoComplete="off"
          spellCheck={false}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    }
    return (
      <input
        {...common}
        type={isSecret ? "password" : schema.format === "uri" ? "url" : "text"}
        autoComplete={isSecret ? "new-password" : "off"}
        placeholder={schema.default === undefined || isSecret ? undefined : String(schema.default)}
        maxLength={schema.maxLength}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  // Anything else (a free-form object, a union of scalars): JSON, kept as text until it parses.
  const text = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value, null, 2);
  return (
    <textarea
      {...common}
      rows={3}
      spellCheck={false}
      value={text}
      placeholder="JSON"
      onChange={(e) => {
        try {
          onChange(e.target.value === "" ? undefined : JSON.parse(e.target.value));
        } catch {
          onChange(e.target.value);
        }
      }}
    />
  );
}
