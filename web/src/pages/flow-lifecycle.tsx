import { useId, useState } from "react";
import { api } from "../api/client";
import type { FlowSummary } from "../api/types";
import { ErrorMessage } from "../components/error-message";

/**
 * Unpublish and Delete on a flow's page, each after a confirm that says what happens. A refused
 * delete (runs in its history, a subflow of a published flow) shows the API's reason.
 */
export function FlowLifecycle({
  flow,
  onUnpublished,
  onDeleted,
}: {
  flow: FlowSummary;
  onUnpublished(message: string): void;
  onDeleted(message: string): void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setBusy] = useState(false);
  const hintId = useId();
  const isPublished = flow.publishedVersion !== null;

  const act = async (run: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const unpublish = () =>
    act(async () => {
      const question = `Unpublish "${flow.name}"? New conversations no longer start on it; runs already started go on on the version they started on. Publishing a version again resumes it.`;
      if (!window.confirm(question)) return;
      const { activeRuns } = await api.unpublish(flow.id);
      onUnpublished(
        `"${flow.name}" is unpublished: no new conversations start on it.${
          activeRuns > 0 ? ` ${activeRuns} started run${activeRuns === 1 ? " goes" : "s go"} on.` : ""
        }`,
      );
    });

  const remove = () =>
    act(async () => {
      const question = `Delete "${flow.name}" with all its ${flow.latestVersion} version${flow.latestVersion === 1 ? "" : "s"}? This cannot be undone (export a version first to keep a copy).`;
      if (!window.confirm(question)) return;
      await api.deleteFlow(flow.id);
      onDeleted(`"${flow.name}" is deleted with all its versions.`);
    });

  return (
    <div className="flow-lifecycle">
      <div className="actions">
        {isPublished && (
          <button
            type="button"
            className="button secondary"
            disabled={isBusy}
            onClick={() => void unpublish()}
          >
            Unpublish
          </button>
        )}
        <button
          type="button"
          className="button secondary danger"
          disabled={isBusy || isPublished}
          aria-describedby={isPublished ? hintId : undefined}
          onClick={() => void remove()}
        >
          Delete flow
        </button>
      </div>
      {isPublished && (
        <p className="hint" id={hintId}>
          A published flow cannot be deleted: unpublish it first.
        </p>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
