/** The editor's buttons: history, save, publish, and the panels beside the canvas. */
export function EditorToolbar(props: {
  canUndo: boolean;
  canRedo: boolean;
  isDirty: boolean;
  isBusy: boolean;
  canPublish: boolean;
  hasFlowId: boolean;
  showVersions: boolean;
  showTryIt: boolean;
  onUndo(): void;
  onRedo(): void;
  onSave(): void;
  onPublish(): void;
  onToggleVersions(): void;
  onToggleTryIt(): void;
}) {
  return (
    <div className="editor-toolbar" role="toolbar" aria-label="Flow editor">
      <button
        type="button"
        className="secondary"
        onClick={props.onUndo}
        disabled={!props.canUndo}
        aria-keyshortcuts="Control+Z"
      >
        Undo
      </button>
      <button
        type="button"
        className="secondary"
        onClick={props.onRedo}
        disabled={!props.canRedo}
        aria-keyshortcuts="Control+Shift+Z"
      >
        Redo
      </button>
      <button
        type="button"
        onClick={props.onSave}
        disabled={props.isBusy || (!props.isDirty && props.hasFlowId)}
      >
        Save draft
      </button>
      <button type="button" onClick={props.onPublish} disabled={props.isBusy || !props.canPublish}>
        Publish
      </button>
      <button
        type="button"
        className="secondary"
        onClick={props.onToggleVersions}
        aria-pressed={props.showVersions}
        disabled={!props.hasFlowId}
      >
        Versions
      </button>
      <button
        type="button"
        className="secondary"
        onClick={props.onToggleTryIt}
        aria-pressed={props.showTryIt}
      >
        Try it
      </button>
    </div>
  );
}
