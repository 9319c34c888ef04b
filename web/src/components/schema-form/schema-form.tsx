import { type FormValue, type JsonSchema, labelOf, typeOf, variantsOf } from "./json-schema";
import { PrimitiveInput } from "./primitive-input";
import { VariantFields } from "./variant-fields";

/**
 * Renders a JSON Schema object (as GET /channel-types and /connection-types give) as labelled
 * inputs: strings, enum selects, numbers, booleans, string lists, nested objects and
 * discriminated unions. Keys listed in `secretFields` (and everything inside them) are password
 * inputs. Fields with a default are folded under "More settings": the server fills them in.
 * The value holds what the person typed; pass it through `compact` before sending.
 */
export interface SchemaFormProps {
  schema: JsonSchema;
  value: FormValue;
  onChange(value: FormValue): void;
  /** Unique per form on the page: input ids are `${idPrefix}-${path}`. */
  idPrefix: string;
  secretFields?: readonly string[];
  /**
   * Secrets already stored (editing): not required, left empty to keep them (send the change
   * through a merge such as PATCH, after `compact`).
   */
  keptSecrets?: readonly string[];
}

export function SchemaForm(props: SchemaFormProps) {
  const { schema, value, onChange, idPrefix, secretFields = [], keptSecrets } = props;
  const variants = variantsOf(schema);
  if (variants) {
    return (
      <VariantFields
        variants={variants}
        value={value}
        onChange={onChange}
        idPrefix={idPrefix}
        secretFields={secretFields}
        renderFields={(variant, fixed) => (
          <ObjectFields
            schema={variant}
            value={value}
            onChange={onChange}
            idPrefix={idPrefix}
            secretFields={secretFields}
            keptSecrets={keptSecrets}
            skip={fixed}
            foldDefaults
          />
        )}
      />
    );
  }
  return (
    <ObjectFields
      schema={schema}
      value={value}
      onChange={onChange}
      idPrefix={idPrefix}
      secretFields={secretFields}
      keptSecrets={keptSecrets}
      foldDefaults
    />
  );
}

interface ObjectFieldsProps extends SchemaFormProps {
  /** Keys not to render (a union's discriminator, chosen above). */
  skip?: string;
  foldDefaults?: boolean;
  isSecret?: boolean;
}

function ObjectFields(props: ObjectFieldsProps) {
  const {
    schema,
    value,
    onChange,
    idPrefix,
    secretFields = [],
    keptSecrets = [],
    skip,
    foldDefaults,
    isSecret,
  } = props;
  const entries = Object.entries(schema.properties ?? {}).filter(([key]) => key !== skip);
  const required = new Set(schema.required ?? []);
  const field = ([key, child]: [string, JsonSchema]) => (
    <Field
      key={key}
      name={key}
      schema={child}
      value={value[key]}
      isRequired={required.has(key) && !keptSecrets.includes(key)}
      isKept={keptSecrets.includes(key)}
      isSecret={isSecret || secretFields.includes(key)}
      id={`${idPrefix}-${key}`}
      onChange={(next) => onChange({ ...value, [key]: next })}
    />
  );
  if (!foldDefaults) return <>{entries.map(field)}</>;
  const main = entries.filter(([, child]) => child.default === undefined);
  const folded = entries.filter(([, child]) => child.default !== undefined);
  return (
    <>
      {main.map(field)}
      {folded.length > 0 && (
        <details className="more-settings">
          <summary>More settings ({folded.length}, with defaults)</summary>
          {folded.map(field)}
        </details>
      )}
    </>
  );
}

interface FieldProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  isRequired: boolean;
  /** A stored secret: empty keeps it. */
  isKept?: boolean;
  isSecret: boolean;
  id: string;
  onChange(value: unknown): void;
}

function Field({ name, schema, value, isRequired, isKept, isSecret, id, onChange }: FieldProps) {
  const label = labelOf(name, schema);
  if (typeOf(schema) === "object" && schema.properties) {
    const inner = (value && typeof value === "object" ? value : {}) as FormValue;
    return (
      <fieldset className="schema-object" id={id}>
        <legend>
          {label}
          {!isRequired && <span className="hint"> (optional)</span>}
        </legend>
        {schema.description && <p className="hint">{schema.description}</p>}
        <ObjectFields schema={schema} value={inner} onChange={onChange} idPrefix={id} isSecret={isSecret} />
      </fieldset>
    );
  }
  const hintId = `${id}-hint`;
  const hint = [
    isKept ? "Set; leave empty to keep it." : null,
    schema.description,
    schema.default !== undefined && !isSecret ? `Default: ${JSON.stringify(schema.default)}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  const isCheckbox = typeOf(schema) === "boolean";
  return (
    <div className={isCheckbox ? "schema-field checkbox" : "schema-field"}>
      {!isCheckbox && (
        <label htmlFor={id}>
          {label}
          {!isRequired && <span className="hint"> (optional)</span>}
        </label>
      )}
      <PrimitiveInput
        id={id}
        schema={schema}
        value={value}
        isRequired={isRequired}
        isSecret={isSecret}
        describedBy={hint ? hintId : undefined}
        onChange={onChange}
        label={isCheckbox ? label : undefined}
      />
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
