import { ApiError } from "../api/client";

/**
 * An edit the server refused (412) because the channel or connection was changed since this page
 * read it (another tab, another admin): nothing was changed. Either reload to see that change
 * (this form starts again from it), or save these values over it anyway.
 */
export function EditConflict(props: {
  noun: "connection" | "channel";
  isBusy: boolean;
  onReload(): void;
  onSaveAnyway(): void;
}) {
  return (
    <div className="error edit-conflict" role="alert" data-testid="edit-conflict">
      <p>
        This {props.noun} was changed since you opened it — reload to see the change, or save yours anyway.
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={props.onReload} disabled={props.isBusy}>
          Reload
        </button>
        <button type="button" onClick={props.onSaveAnyway} disabled={props.isBusy}>
          Save anyway
        </button>
      </div>
    </div>
  );
}

/** Whether the API refused a change because of a stale If-Match. */
export const isEditConflict = (error: unknown): boolean => error instanceof ApiError && error.status === 412;
