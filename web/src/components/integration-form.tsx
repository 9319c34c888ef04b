import { type FormEvent, useEffect, useId, useState } from "react";
import type { IntegrationType } from "../api/types";
import { EditConflict, isEditConflict } from "./edit-conflict";
import { ErrorMessage } from "./error-message";
import { compact, type FormValue, type JsonSchema, SchemaForm } from "./schema-form";
import { useWarnBeforeLeaving } from "./use-warn-before-leaving";

export interface IntegrationDraft {
  type: string;
  name: string;
  config: Record<string, unknown>;
}

/** Editing one: its type stays, its public config is the start, stored secrets are kept when left empty. */
export interface IntegrationEdit {
  type: string;
  name: string;
  config: Record<string, unknown>;
  /** Secret keys that are set (the API's `secrets`). */
  secretsSet: string[];
}

/**
 * "Add a connection/channel": pick a type, name it, fill the form generated from the type's
 * config schema. `prefill` gives a new type's starting values (e.g. a generated verify token).
 * With `edit`, the same form changes one (send it as a PATCH: the config merges over the stored).
 * `onSubmit` throws the API's error, shown here (422 problems name the field path). An edit is
 * sent with the revision it started from: a change made meanwhile (412) offers `onReload` or
 * saving anyway (`onSubmit` with `overwrite`).
 */
export function IntegrationForm({
  noun,
  types,
  prefill,
  edit,
  onSubmit,
  onCancel,
  onReload,
}: {
  noun: "connection" | "channel";
  types: IntegrationType[];
  prefill?: (type: IntegrationType) => FormValue;
  edit?: IntegrationEdit;
  onSubmit(draft: IntegrationDraft, options?: { overwrite: boolean }): Promise<void>;
  onCancel(): void;
  /** Reads the one being edited again (after a conflict); the page then starts a new form. */
  onReload?(): void;
}) {
  const formId = `f${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  const [type, setType] = useState(edit?.type ?? types[0]?.type ?? "");
  const [name, setName] = useState(edit?.name ?? "");
  const [config, setConfig] = useState<FormValue>(edit?.config ?? {});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Typed into the config fields by the person (not a prefill, nor a default the form sets itself).
  const [isConfigTouched, setConfigTouched] = useState(false);
  const chosen = types.find((t) => t.type === type);
  const isDirty = name.trim() !== (edit?.name ?? "") || isConfigTouched;
  useWarnBeforeLeaving(
    isDirty,
    edit
      ? `This ${noun} has changes that are not saved. Leave without saving them?`
      : `This ${noun} is not added yet. Leave without adding it?`,
  );

  // A new type starts from its own prefill (never another type's values).
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a type change resets the values.
  useEffect(() => {
    if (edit) return;
    setConfig(chosen && prefill ? prefill(chosen) : {});
    setConfigTouched(false);
  }, [type]);

  const send = async (overwrite: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await onSubmit({ type, name: name.trim(), config: compact(config) }, { overwrite });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(false);
  };

  return (
    <form
      className="integration-form"
      onSubmit={submit}
      aria-label={edit ? `Edit ${edit.name}` : `Add a ${noun}`}
    >
      <div className="schema-field">
        <label htmlFor={`${formId}-type`}>Type</label>
        <select
          id={`${formId}-type`}
          value={type}
          disabled={edit !== undefined}
          onChange={(e) => setType(e.target.value)}
        >
          {types.map((t) => (
            <option key={t.type} value={t.type}>
              {t.title}
            </option>
          ))}
        </select>
        {chosen?.docs && (
          <p className="hint">
            Setup guide: <code>{chosen.docs}</code> in the Tern repository.
          </p>
        )}
      </div>
      <div className="schema-field">
        <label htmlFor={`${formId}-name`}>Name</label>
        <input
          id={`${formId}-name`}
          type="text"
          required
          maxLength={100}
          value={name}
          aria-describedby={`${formId}-name-hint`}
          onChange={(e) => setName(e.target.value)}
        />
        <p className="hint" id={`${formId}-name-hint`}>
          {noun === "connection"
            ? "Flows name their connection by it, e.g. salesforce."
            : "Unique; flows may name their channel by it."}
        </p>
      </div>
      {chosen && (
        // Input events bubble here from every config field the person changes.
        <div className="integration-config" onInput={() => setConfigTouched(true)}>
          <SchemaForm
            key={chosen.type}
            schema={chosen.configSchema as JsonSchema}
            value={config}
            onChange={setConfig}
            idPrefix={`${formId}-${chosen.type}`}
            secretFields={chosen.secretFields}
            keptSecrets={edit?.secretsSet}
          />
        </div>
      )}
      {edit && onReload && isEditConflict(error) ? (
        <EditConflict noun={noun} isBusy={busy} onReload={onReload} onSaveAnyway={() => void send(true)} />
      ) : (
        <ErrorMessage error={error} />
      )}
      <div className="actions">
        <button type="submit" disabled={busy || !chosen}>
          {edit ? "Save changes" : `Add ${noun}`}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
