/**
 * A save the server refused (412) because another version was saved since this editor opened the
 * flow (someone else, or this flow in another tab): nothing was stored. Either reload to see that
 * version (these edits are dropped), or store these edits as the next version anyway.
 */
export function SaveConflict(props: {
  currentVersion: number;
  isBusy: boolean;
  onReload(): void;
  onSaveAnyway(): void;
}) {
  const { currentVersion } = props;
  return (
    <div className="error save-conflict" role="alert" data-testid="save-conflict">
      <p>
        Version {currentVersion} was saved since you opened this flow — reload to see it, or save yours as a
        new version anyway.
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={props.onReload} disabled={props.isBusy}>
          Reload version {currentVersion}
        </button>
        <button type="button" onClick={props.onSaveAnyway} disabled={props.isBusy}>
          Save mine as version {currentVersion + 1} anyway
        </button>
      </div>
    </div>
  );
}

/** The current version a 412 names (`details.currentVersion`), or null for any other error. */
export function conflictVersion(error: unknown): number | null {
  const e = error as { status?: unknown; details?: { currentVersion?: unknown } } | null;
  if (e?.status !== 412) return null;
  const version = e.details?.currentVersion;
  return typeof version === "number" ? version : null;
}
