import type { StepType } from "./step-schemas";

/** Every step type the server has (from its flow JSON Schema): a button adds one to the canvas. */
export function Palette(props: { stepTypes: StepType[]; onAdd(type: string): void }) {
  return (
    <nav className="palette" aria-label="Add a step">
      <h2>Add a step</h2>
      <ul>
        {props.stepTypes.map((t) => (
          <li key={t.type}>
            <button
              type="button"
              className="palette-item"
              title={t.description}
              onClick={() => props.onAdd(t.type)}
              data-step-type={t.type}
            >
              <span className="palette-title">{t.title}</span>
              <span className="visually-hidden"> (</span>
              <code>{t.type}</code>
              <span className="visually-hidden">)</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
