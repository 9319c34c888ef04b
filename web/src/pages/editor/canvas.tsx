import {
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  Handle,
  MarkerType,
  type Node,
  type NodeChange,
  type NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  useStoreApi,
  useUpdateNodeInternals,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useState } from "react";
import type { FlowFile, StepPosition } from "../../api/types";
import { useCanvasDeleteKey } from "./canvas-delete-key";
import { type Exit, exitsOf, positionOf, startStepId, stepSummary } from "./flow-graph";
import type { Problems } from "./problems";

/**
 * The canvas (@xyflow/react): a node per step, an edge per transition labelled with its field.
 * The flow file is the truth: nodes are rebuilt from it, and only drags in progress live in the
 * canvas's own state. Changes go out as callbacks (connect, move, delete, select).
 */
type StepData = {
  id: string;
  /** The step's own display name (`title` in the flow file), when it has one. */
  label: string;
  title: string;
  summary: string;
  problemCount: number;
  isStart: boolean;
  isCurrent: boolean;
};
type StepNodeType = Node<StepData, "step">;
type ExitEdge = Edge<{ path: Exit["path"] }>;

export interface CanvasProps {
  flow: FlowFile;
  titles: Map<string, string>;
  problems: Problems;
  selectedId: string | null;
  /** The step a Try it run is at (highlighted with `is-current`). */
  currentId: string | null;
  onSelect(id: string | null): void;
  onConnect(source: string, target: string): void;
  onMove(positions: Record<string, StepPosition>): void;
  /** Steps and transitions deleted on the canvas at once (one undo step). */
  onDelete(stepIds: string[], exits: Array<{ source: string; path: Exit["path"] }>): void;
}

const nodeTypes = { step: StepNode };

export function Canvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner {...props} />
    </ReactFlowProvider>
  );
}

function CanvasInner(props: CanvasProps) {
  const { flow, problems, selectedId, currentId, titles } = props;
  const [nodes, setNodes] = useState<StepNodeType[]>([]);
  // Edges come from the flow; only which one is selected (for Delete) lives here.
  const [selectedEdge, setSelectedEdge] = useState<string | null>(null);
  const start = startStepId(flow);

  useEffect(() => {
    setNodes((previous) => {
      const byId = new Map(previous.map((n) => [n.id, n]));
      return flow.steps.map((step): StepNodeType => {
        const count = problems.byStep.get(step.id)?.filter((p) => p.level === "error").length ?? 0;
        const data: StepData = {
          id: step.id,
          label: typeof step.title === "string" && step.title !== "" ? step.title : "",
          title: titles.get(step.type) ?? step.type,
          summary: stepSummary(step),
          problemCount: count,
          isStart: step.id === start,
          isCurrent: step.id === currentId,
        };
        return {
          ...byId.get(step.id),
          id: step.id,
          type: "step",
          position: positionOf(flow, step.id),
          data,
          // A selected edge is what Delete removes: the step whose panel is open stays out of it
          // (this effect runs again when validation answers, and would select the step anew).
          selected: step.id === selectedId && selectedEdge === null,
          className: step.id === currentId ? "is-current" : undefined,
          ariaLabel: `Step ${step.id}, ${data.title}${count ? `, ${count} problem${count === 1 ? "" : "s"}` : ""}${data.isStart ? ", start step" : ""}`,
        };
      });
    });
  }, [flow, problems, selectedId, currentId, titles, start, selectedEdge]);

  const edges = useMemo(() => {
    const ids = new Set(flow.steps.map((s) => s.id));
    return flow.steps.flatMap((step) =>
      exitsOf(step)
        .filter((exit) => ids.has(exit.target))
        .map(
          (exit): ExitEdge => ({
            id: `${step.id}:${exit.path.join(".")}`,
            source: step.id,
            target: exit.target,
            label: exit.label,
            data: { path: exit.path },
            markerEnd: { type: MarkerType.ArrowClosed },
            selected: `${step.id}:${exit.path.join(".")}` === selectedEdge,
            className: exit.path[0] === "onError" ? "edge-error" : undefined,
          }),
        ),
    );
  }, [flow, selectedEdge]);

  const onEdgesChange = (changes: EdgeChange<ExitEdge>[]) => {
    for (const change of changes) {
      if (change.type !== "select") continue;
      if (change.selected) setSelectedEdge(change.id);
      else setSelectedEdge((current) => (current === change.id ? null : current));
    }
  };

  const onNodesChange = (changes: NodeChange<StepNodeType>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    const moved: Record<string, StepPosition> = {};
    for (const change of changes) {
      if (change.type === "select" && change.selected) {
        setSelectedEdge(null);
        props.onSelect(change.id);
      }
      // A drag's end and a keyboard move come as a position change that is no longer dragging.
      if (change.type === "position" && change.position && change.dragging === false) {
        moved[change.id] = change.position;
      }
    }
    if (Object.keys(moved).length > 0) props.onMove(moved);
  };

  const onDeleteKey = useCanvasDeleteKey();
  return (
    // Only keys pressed on the canvas reach this handler (React Flow's own delete key is off).
    // biome-ignore lint/a11y/noStaticElementInteractions: the steps and transitions inside are the focusable parts
    <div className="canvas" data-testid="canvas" onKeyDown={onDeleteKey}>
      <ReactFlow<StepNodeType, ExitEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={(_e, _node, dragged) =>
          props.onMove(Object.fromEntries(dragged.map((n) => [n.id, n.position])))
        }
        onConnect={(c: Connection) => props.onConnect(c.source, c.target)}
        onDelete={({ nodes: gone, edges: cut }) => {
          const ids = gone.map((n) => n.id);
          // Edges of a deleted step go with it (removeStep clears them); the rest are cut alone.
          const exits = cut.flatMap((e) =>
            e.data && !ids.includes(e.source) && !ids.includes(e.target)
              ? [{ source: e.source, path: e.data.path }]
              : [],
          );
          props.onDelete(ids, exits);
        }}
        onPaneClick={() => props.onSelect(null)}
        deleteKeyCode={null}
        multiSelectionKeyCode={null}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls />
        <FitOnCountChange count={flow.steps.length} />
        <KeepHandlesMeasured nodes={nodes} />
      </ReactFlow>
    </div>
  );
}

/** A step added or removed: show the whole flow again (the new step may be off screen). */
/** Fits the steps in view when steps come or go, and when the canvas narrows or widens (Try it opens). */
function FitOnCountChange({ count }: { count: number }) {
  const { fitView } = useReactFlow();
  const width = useStore((s) => Math.round(s.width / 40));
  useEffect(() => {
    if (count > 0 && width > 0) requestAnimationFrame(() => void fitView({ maxZoom: 1 }));
  }, [count, width, fitView]);
  return null;
}

/**
 * React Flow forgets a node's handle positions when it is handed that node as a new object
 * without `measured` (xyflow#6022), and measures again only when the node's size changes; the
 * node's edges then stay undrawn. A renamed step can fall into that: its node is new, and the
 * validation answer rebuilds the nodes while its first measure is in flight (an edge to it
 * vanished in CI). After every change of the nodes, any drawn node without handle positions is
 * measured again.
 */
function KeepHandlesMeasured({ nodes }: { nodes: StepNodeType[] }) {
  const store = useStoreApi();
  const updateNodeInternals = useUpdateNodeInternals();
  // biome-ignore lint/correctness/useExhaustiveDependencies: every change of the nodes is the trigger to look.
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const unmeasured = [...store.getState().nodeLookup.values()]
        .filter((n) => !n.internals.handleBounds)
        .map((n) => n.id);
      if (unmeasured.length > 0) updateNodeInternals(unmeasured);
    });
    return () => cancelAnimationFrame(frame);
  }, [nodes, store, updateNodeInternals]);
  return null;
}

function StepNode({ data }: NodeProps<StepNodeType>) {
  return (
    <div className="step-node" data-step-id={data.id}>
      <Handle type="target" position={Position.Top} />
      <div className="step-node-head">
        <strong className="step-node-id">{data.id}</strong>
        {data.isStart && <span className="badge start">Start</span>}
        {data.problemCount > 0 && (
          <span
            className="problem-badge"
            title={`${data.problemCount} problem(s)`}
            data-testid="problem-badge"
          >
            {data.problemCount}
          </span>
        )}
      </div>
      <span className="step-node-type">{data.title}</span>
      {data.label && <span className="step-node-label">{data.label}</span>}
      {data.summary && <span className="step-node-summary">{data.summary}</span>}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}
