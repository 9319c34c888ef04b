import { useEffect, useState } from "react";
import { ApiError, api, NetworkError } from "../../api/client";
import type { ConnectionSummary, FlowFile, FlowStep, FlowSummary, StepPosition } from "../../api/types";
import { ErrorMessage } from "../../components/error-message";
import { TryItPanel } from "../../components/try-it/try-it-panel";
import { useWarnBeforeLeaving } from "../../components/use-warn-before-leaving";
import { navigate } from "../../router";
import { Canvas } from "./canvas";
import { EditorToolbar } from "./editor-toolbar";
import * as graph from "./flow-graph";
import { FlowSettings } from "./flow-settings";
import { Palette } from "./palette";
import { issuesFromError } from "./problems";
import { conflictVersion, SaveConflict } from "./save-conflict";
import { StepPanel } from "./step-panel";
import { type FlowSchema, newStep, transitionFields } from "./step-schemas";
import { useFlowHistory } from "./use-flow-history";
import { useSalesforce } from "./use-salesforce";
import { useValidation } from "./use-validation";
import { variablesFor } from "./variables";
import { VersionsPanel } from "./versions-panel";

/** The editor proper: toolbar, palette, canvas, side panel, versions and the Try it slot. */
export function Editor(props: {
  flowId: string | null;
  initial: FlowFile;
  latestVersion: number | null;
  schema: FlowSchema;
  connections: ConnectionSummary[];
  channelTypes: string[];
  onSummary(summary: FlowSummary): void;
  /** Loads the flow's latest version again (after a save conflict), dropping these edits. */
  onReload(): void;
}) {
  const { flowId, schema } = props;
  const history = useFlowHistory(props.initial);
  const { flow, change } = history;
  const [saved, setSaved] = useState(props.initial);
  // The version these edits are based on: sent as If-Match, so a version saved since is not overwritten.
  const [version, setVersion] = useState(props.latestVersion);
  const [conflict, setConflict] = useState<number | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setBusy] = useState(false);
  const [showVersions, setShowVersions] = useState(false);
  const [showTryIt, setShowTryIt] = useState(false);
  const [refreshKey, setRefreshKey] = useState(0);
  const validation = useValidation(flow);
  const selected = flow.steps.find((s) => s.id === selectedId) ?? null;
  const salesforce = useSalesforce(selected, props.connections);
  const isDirty = flow !== saved;
  useUndoKeys(history.undo, history.redo);
  // A refused save or publish is about the flow as it was: any change makes it stale (the live
  // check shows what is still wrong on the steps themselves).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each change of the flow
  useEffect(() => setError(null), [flow]);
  useWarnBeforeLeaving(isDirty, "This flow has changes that are not saved. Leave without saving them?");
  const titles = new Map(schema.stepTypes.map((t) => [t.type, t.title]));
  const fieldsOf = (id: string) =>
    transitionFields(schema.byType.get(flow.steps.find((s) => s.id === id)?.type ?? ""));

  const fail = (e: unknown) => {
    const issues = e instanceof ApiError ? issuesFromError(e.details) : null;
    if (issues) validation.show(issues);
    // A save that met no server must not read as lost work.
    setError(
      e instanceof NetworkError
        ? new Error(
            "Tern can't be reached (the network or Tern is down): your changes are still here. Try again once it is back.",
          )
        : e,
    );
    setStatus("");
  };

  const refreshSummary = async (id: string) => props.onSummary(await api.getFlow(id));

  /** `basedOn`: the version the save is based on (default: the one the editor opened or saved). */
  const save = async (basedOn = version ?? undefined): Promise<number | null> => {
    setBusy(true);
    setError(null);
    setConflict(null);
    setStatus("Saving…");
    const file = withAllPositions(flow);
    try {
      if (!flowId) {
        const created = await api.createFlow(file);
        navigate(`/flows/${created.id}/edit`, { replace: true, force: true });
        return created.version;
      }
      const answer = await api.saveFlow(flowId, file, basedOn);
      setSaved(flow);
      setVersion(answer.version);
      setStatus(`Saved as version ${answer.version} (a draft until published).`);
      setRefreshKey((k) => k + 1);
      await refreshSummary(flowId);
      return answer.version;
    } catch (e) {
      const current = conflictVersion(e);
      if (current === null || !flowId) fail(e);
      else {
        setConflict(current);
        setStatus("");
        await refreshSummary(flowId).catch(() => {});
      }
      return null;
    } finally {
      setBusy(false);
    }
  };

  /** Publishes `target` (an older version: a rollback), or saves the edits first and publishes them. */
  const publish = async (target?: number) => {
    if (!flowId) return;
    const toPublish = target ?? (isDirty || version === null ? await save() : version);
    if (toPublish === null) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.publish(flowId, toPublish);
      setStatus(`Version ${answer.publishedVersion} is published.`);
      setRefreshKey((k) => k + 1);
      await refreshSummary(flowId);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const addStep = (type: string) => {
    const stepType = schema.byType.get(type);
    if (!stepType) return;
    const id = graph.newStepId(flow, type);
    const after = selected ?? flow.steps.at(-1) ?? null;
    const at = after ? graph.positionOf(flow, after.id) : { x: 80, y: -110 };
    let next = graph.addStep(flow, newStep(stepType, id), graph.freeSpot(flow, { x: at.x, y: at.y + 150 }));
    // Added after the selected step: connected through its first free exit, which the status names.
    const exit = selected ? graph.freeExit(selected, fieldsOf(selected.id)) : null;
    const linked = selected && exit ? graph.connect(next, selected.id, id, [exit]) : null;
    if (linked) next = linked;
    change(next);
    setSelectedId(id);
    setStatus(
      linked && selected
        ? exit === "next"
          ? `Added ${id} after ${selected.id}.`
          : `Added ${id} at ${selected.id}'s ${exit} exit.`
        : `Added ${id}.`,
    );
  };

  const connectSteps = (source: string, target: string) => {
    const next = graph.connect(flow, source, target, fieldsOf(source));
    if (next) {
      change(next);
      setStatus(`Connected ${source} to ${target}.`);
    } else {
      setSelectedId(source);
      setStatus(`${source} has no free exit: choose which one goes to ${target} in its panel.`);
    }
  };

  const moveSteps = (positions: Record<string, StepPosition>) =>
    change((f) => {
      const isSame = Object.entries(positions).every(([id, p]) => samePosition(f.layout?.steps[id], p));
      return isSame
        ? f
        : Object.entries(positions).reduce((acc, [id, p]) => graph.withPosition(acc, id, p), f);
    });

  const deleteOnCanvas = (ids: string[], exits: Array<{ source: string; path: graph.Exit["path"] }>) => {
    change((f) =>
      exits.reduce((acc, e) => graph.removeExit(acc, e.source, e.path), ids.reduce(graph.removeStep, f)),
    );
    if (ids.length === 0) return;
    setSelectedId(null);
    setStatus(`Deleted ${ids.join(", ")}.`);
  };

  const changeStep = (step: FlowStep) => {
    if (!selected) return;
    change((f) => graph.replaceStep(f, selected.id, step), `step:${selected.id}`);
    if (step.id !== selected.id) setSelectedId(step.id);
  };

  const problemCount = validation.problems.errorCount;
  return (
    <div className="editor">
      <EditorToolbar
        canUndo={history.canUndo}
        canRedo={history.canRedo}
        isDirty={isDirty}
        isBusy={isBusy}
        canPublish={flowId !== null && flow.steps.length > 0}
        hasFlowId={flowId !== null}
        showVersions={showVersions}
        showTryIt={showTryIt}
        onUndo={history.undo}
        onRedo={history.redo}
        onSave={() => void save()}
        onPublish={() => void publish()}
        onToggleVersions={() => setShowVersions((v) => !v)}
        onToggleTryIt={() => setShowTryIt((v) => !v)}
      />
      <p className="status" role="status" data-testid="editor-status">
        {status} {isDirty ? "Unsaved changes." : ""}{" "}
        {validation.state === "checked" && (
          <span className={problemCount === 0 ? "" : "problem-count"}>
            {problemCount === 0 ? "No problems." : `${problemCount} problem${problemCount === 1 ? "" : "s"}.`}
          </span>
        )}
      </p>
      <ErrorMessage error={error} />
      {conflict !== null && (
        <SaveConflict
          currentVersion={conflict}
          isBusy={isBusy}
          onReload={props.onReload}
          // On top of the version saved since: a third save meanwhile is a conflict again.
          onSaveAnyway={() => void save(conflict)}
        />
      )}
      <div className={`editor-layout${showTryIt ? " with-try-it" : ""}`}>
        <Palette stepTypes={schema.stepTypes} onAdd={addStep} />
        <Canvas
          flow={flow}
          titles={titles}
          problems={validation.problems}
          selectedId={selectedId}
          currentId={currentId}
          onSelect={setSelectedId}
          onConnect={connectSteps}
          onMove={moveSteps}
          onDelete={deleteOnCanvas}
        />
        <aside className="side-panel" aria-label="Selected step">
          {selected ? (
            <StepPanel
              key={selected.id}
              step={selected}
              stepType={schema.byType.get(selected.type)}
              isStart={graph.startStepId(flow) === selected.id}
              problems={validation.problems.byStep.get(selected.id) ?? []}
              ctx={{
                root: schema.root,
                stepIds: flow.steps.map((s) => s.id).filter((id) => id !== selected.id),
                variables: variablesFor(flow, selected.id),
                connections: props.connections.map((c) => c.name),
              }}
              salesforce={salesforce}
              onChange={changeStep}
              onSetStart={() => change((f) => ({ ...f, start: selected.id }))}
              onDelete={() => deleteOnCanvas([selected.id], [])}
            />
          ) : (
            <FlowSettings
              flow={flow}
              problems={validation.problems.flow}
              channelTypes={props.channelTypes}
              onChange={(f) => change(f, "flow")}
            />
          )}
          {showVersions && flowId && (
            <VersionsPanel flowId={flowId} refreshKey={refreshKey} onPublish={(v) => publish(v)} />
          )}
        </aside>
        {showTryIt && (
          // The Try it slot: the chat panel (components/try-it) runs the saved draft and reports its step.
          <div className="try-it-slot">
            {flowId && version !== null ? (
              <TryItPanel
                flowId={flowId}
                version={version}
                hasUnsavedChanges={isDirty}
                onStep={setCurrentId}
              />
            ) : (
              <p className="hint">Save the flow to try it.</p>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

const samePosition = (a: StepPosition | undefined, b: StepPosition) =>
  a !== undefined && a.x === Math.round(b.x) && a.y === Math.round(b.y);

/** Every step gets a saved position, so a reload draws the flow as it was on screen. */
function withAllPositions(flow: FlowFile): FlowFile {
  return flow.steps.reduce(
    (acc, s) => (acc.layout?.steps[s.id] ? acc : graph.withPosition(acc, s.id, graph.positionOf(flow, s.id))),
    flow,
  );
}

/** Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y) outside text fields, where the browser's own undo applies. */
function useUndoKeys(undo: () => void, redo: () => void) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable]")) return;
      if (!(event.ctrlKey || event.metaKey)) return;
      const key = event.key.toLowerCase();
      if (key === "z" && event.shiftKey) redo();
      else if (key === "z") undo();
      else if (key === "y") redo();
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, redo]);
}
