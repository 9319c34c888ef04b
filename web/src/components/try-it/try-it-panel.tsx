/**
 * Placeholder: the "Try it" chat panel is built by another change and replaces this file. The
 * editor renders it beside the canvas and highlights the step passed to `onStep` (`is-current`).
 */
export function TryItPanel(props: { flowId: string; version: number; onStep(stepId: string | null): void }) {
  return (
    <section className="try-it" aria-label="Try it" data-flow-id={props.flowId} data-version={props.version}>
      <p>Try it is not built yet</p>
    </section>
  );
}
