import type { ReactNode } from "react";
import type { IntegrationType } from "../api/types";
import { ErrorMessage } from "./error-message";
import { IntegrationForm } from "./integration-form";

type FormProps = Parameters<typeof IntegrationForm>[0];

/**
 * The top of the Connections and Channels pages: the heading with its "Add …" button, the status
 * line and errors, and the add form generated from the chosen type's config schema.
 */
export function IntegrationsHead(props: {
  noun: "connection" | "channel";
  title: string;
  message: ReactNode;
  errors: unknown[];
  isAdding: boolean;
  setAdding(isAdding: boolean): void;
  types: IntegrationType[] | undefined;
  prefill?: FormProps["prefill"];
  onSubmit: FormProps["onSubmit"];
}) {
  const { noun } = props;
  return (
    <>
      <div className="page-head">
        <h1>{props.title}</h1>
        {!props.isAdding && (
          <button type="button" onClick={() => props.setAdding(true)}>
            Add {noun}
          </button>
        )}
      </div>
      <p role="status" className="status">
        {props.message}
      </p>
      {props.errors.map((error, i) => (
        // The errors keep their places: a fixed list, never reordered.
        // biome-ignore lint/suspicious/noArrayIndexKey: positions are stable
        <ErrorMessage key={i} error={error} />
      ))}
      {props.isAdding && props.types && (
        <section aria-labelledby={`add-${noun}`}>
          <h2 id={`add-${noun}`}>Add a {noun}</h2>
          <IntegrationForm
            noun={noun}
            types={props.types}
            {...(props.prefill ? { prefill: props.prefill } : {})}
            onSubmit={props.onSubmit}
            onCancel={() => props.setAdding(false)}
          />
        </section>
      )}
    </>
  );
}
