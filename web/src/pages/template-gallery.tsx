import { api } from "../api/client";
import { ErrorMessage } from "../components/error-message";
import { useLoad } from "../components/use-load";

/** The shipped templates (GET /api/v1/templates); picking one creates a flow from it. */
export function TemplateGallery({
  onPick,
  isBusy,
}: {
  onPick: (definition: unknown) => Promise<void>;
  /** A flow is being created: the buttons wait for it. */
  isBusy: boolean;
}) {
  const templates = useLoad(api.listTemplates);
  return (
    <section aria-labelledby="gallery-title" className="gallery">
      <h2 id="gallery-title">Templates</h2>
      <ErrorMessage error={templates.error} />
      {templates.data === undefined && !templates.error && <p aria-busy="true">Loading templates…</p>}
      <ul>
        {templates.data?.map((t) => (
          <li key={t.id} className="card">
            <h3>{t.name}</h3>
            <p>{t.description}</p>
            <button type="button" disabled={isBusy} onClick={() => void onPick(t.definition)}>
              Use<span className="visually-hidden"> {t.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
