import { MAX_STEPS_WITHOUT_WAITING } from "./engine.js";
import { jsonPath, type ValidationIssue } from "./issues.js";
import type { Flow } from "./schema.js";
import type { StepDefinition } from "./step.js";
import type { StepRegistry } from "./step-registry.js";
import { exitsOf } from "./validate.js";

/**
 * Loops that never wait. The engine fails a run after 100 steps in one go without waiting (its
 * loop guard), so a cycle of steps with no ask, menu, wait or handoff sends up to 50 messages
 * before the run fails. Found here, over the same edges the validator follows (`exitsOf`):
 * a cycle every step of which has one way on can never be left (an error); one with a way out
 * (a branch, an onError) may be a retry loop with a counter (a warning).
 */
export function checkLoops(
  flow: Flow,
  registry: StepRegistry,
): { errors: ValidationIssue[]; warnings: ValidationIssue[] } {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const graph = buildGraph(flow, registry);
  const reachable = reachableFrom(graph, flow.start ?? flow.steps[0]?.id);
  for (const component of cycles(graph)) {
    // Unreachable steps are already a warning, and harmless until wired in.
    if (!reachable.has(component[0] as string)) continue;
    const members = new Set(component);
    if (component.some((id) => graph.get(id)?.canWait)) continue;
    const ways = (id: string) => graph.get(id)?.waysOn ?? 0;
    const first = component[0] as string;
    const node = graph.get(first) as Node;
    const loop = cyclePath(graph, first, members);
    const named = loop.join(" → ");
    const at = { path: jsonPath(["steps", node.index]), stepId: first };
    if (component.every((id) => ways(id) === 1)) {
      errors.push({
        ...at,
        message: `steps ${named} loop without a step that waits: a run entering them never stops. Add an ask, menu or wait step to the loop, or a way out of it`,
      });
      continue;
    }
    const exits = component.filter((id) => leaves(graph.get(id) as Node, members));
    warnings.push({
      ...at,
      message: `steps ${named} loop without a step that waits: unless the run leaves the loop (at ${exits.join(", ")}), the engine stops it after ${MAX_STEPS_WITHOUT_WAITING} steps and the run fails. Fine for a retry loop with a counter; otherwise add an ask, menu or wait step to it`,
    });
  }
  const chain = longestChain(graph, flow.start ?? flow.steps[0]?.id, reachable);
  if (chain.length > MAX_STEPS_WITHOUT_WAITING) {
    const first = chain[0] as string;
    const shown = [...chain.slice(0, 3), "…", ...chain.slice(-2)].join(" → ");
    warnings.push({
      path: jsonPath(["steps", (graph.get(first) as Node).index]),
      stepId: first,
      message: `a run can take ${chain.length} steps in a row without waiting (${shown}): the engine stops a run after ${MAX_STEPS_WITHOUT_WAITING} steps without waiting and fails it. Put an ask, menu or wait step among them`,
    });
  }
  return { errors, warnings };
}

/**
 * The longest run of steps one advance can execute, loops aside (they are reported above): from
 * the start, or from a step that waited (it runs again when resumed), to a step that waits or
 * the end. The engine's guard counts every step of it, not only steps that repeat.
 */
function longestChain(
  graph: ReadonlyMap<string, Node>,
  start: string | undefined,
  reachable: ReadonlySet<string>,
): string[] {
  const memo = new Map<string, string[]>();
  const onPath = new Set<string>();
  const onwards = (id: string): string[] => {
    let best: string[] = [];
    for (const target of graph.get(id)?.targets ?? []) {
      if (onPath.has(target)) continue;
      const path = from(target);
      if (path.length > best.length) best = path;
    }
    return best;
  };
  const from = (id: string): string[] => {
    const known = memo.get(id);
    if (known) return known;
    if (graph.get(id)?.canWait) return [id];
    onPath.add(id);
    const path = [id, ...onwards(id)];
    onPath.delete(id);
    memo.set(id, path);
    return path;
  };
  let longest = start && graph.has(start) ? from(start) : [];
  for (const [id, node] of graph) {
    if (!node.canWait || !reachable.has(id)) continue;
    onPath.add(id);
    const path = [id, ...onwards(id)];
    onPath.delete(id);
    if (path.length > longest.length) longest = path;
  }
  return longest;
}

interface Node {
  index: number;
  targets: string[];
  /** The step may complete the run instead of going on (no `next`, a branch without `else`). */
  completes: boolean;
  /** Distinct targets, plus completing: 1 means the step always goes to the same step. */
  waysOn: number;
  canWait: boolean;
}

function buildGraph(flow: Flow, registry: StepRegistry): Map<string, Node> {
  const graph = new Map<string, Node>();
  const ids = new Set(flow.steps.map((s) => s.id));
  flow.steps.forEach((config, index) => {
    const def = registry.get(config.type);
    if (!def || graph.has(config.id)) return;
    const targets = [...new Set(exitsOf({ def, config }).map((e) => e.target))].filter((t) => ids.has(t));
    const completes = canComplete(def, config);
    graph.set(config.id, {
      index,
      targets,
      completes,
      waysOn: targets.length + (completes ? 1 : 0),
      canWait: canWait(def),
    });
  });
  return graph;
}

/**
 * A step that can suspend the run. The engine resumes only a step that waited: one with `resume`
 * (a reply or a deadline: ask, menu, wait) or `release` (a person: handoff). A subflow runs a child
 * flow whose steps may wait; its check is the child's own.
 */
function canWait(def: StepDefinition): boolean {
  return def.resume !== undefined || def.release !== undefined || def.type === "subflow";
}

/**
 * The step's default way on is optional (`next`, or a branch's `else`) and not set: it completes
 * the run there. goto and split have no default: they always go to one of their targets.
 */
function canComplete(def: StepDefinition, config: Record<string, unknown>): boolean {
  const shape = def.config.shape as Record<string, unknown>;
  const key = "next" in shape ? "next" : "else" in shape ? "else" : undefined;
  return key !== undefined && config[key] === undefined;
}

function leaves(node: Node, members: ReadonlySet<string>): boolean {
  return node.completes || node.targets.some((t) => !members.has(t));
}

function reachableFrom(graph: ReadonlyMap<string, Node>, start: string | undefined): Set<string> {
  const seen = new Set<string>();
  const queue = start ? [start] : [];
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(graph.get(id)?.targets ?? []));
  }
  return seen;
}

/**
 * Strongly connected components that hold a cycle (Tarjan, iterative: 500 steps must not exhaust
 * the stack), members in file order.
 */
function cycles(graph: ReadonlyMap<string, Node>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: string; next: number };
      const targets = graph.get(frame.id)?.targets ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++] as string;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ id: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(target) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) !== index.get(frame.id)) continue;
      const component: string[] = [];
      for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
        onStack.delete(id);
        component.push(id);
        if (id === frame.id) break;
      }
      const selfLoop = graph.get(frame.id)?.targets.includes(frame.id) ?? false;
      if (component.length > 1 || selfLoop) found.push(sortByIndex(graph, component));
    }
  }
  return found.sort(
    (a, b) => (graph.get(a[0] as string)?.index ?? 0) - (graph.get(b[0] as string)?.index ?? 0),
  );
}

function sortByIndex(graph: ReadonlyMap<string, Node>, ids: string[]): string[] {
  return [...ids].sort((a, b) => (graph.get(a)?.index ?? 0) - (graph.get(b)?.index ?? 0));
}

/** The shortest way round from `from` back to itself inside the component: `a → b → a`. */
function cyclePath(graph: ReadonlyMap<string, Node>, from: string, members: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    for (const target of graph.get(id)?.targets ?? []) {
      if (!members.has(target)) continue;
      if (target === from) {
        const back = [id];
        for (let at = cameFrom.get(id); at !== undefined; at = cameFrom.get(at)) back.push(at);
        return [...back.reverse(), from];
      }
      if (cameFrom.has(target)) continue;
      cameFrom.set(target, id);
      queue.push(target);
    }
  }
  return [from, from];
}
