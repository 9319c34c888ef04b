import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { FlowDiff, FlowVersion, ValueChange } from "../../api/types";
import { ErrorMessage } from "../../components/error-message";
import { useLoad } from "../../components/use-load";

/**
 * A flow's versions (GET /flows/:id/versions) with what changed between two of them (GET
 * /flows/:id/diff) and publishing any of them: an older one is a rollback.
 */
export function VersionsPanel(props: {
  flowId: string;
  refreshKey: number;
  onPublish(version: number): Promise<void>;
}) {
  const versions = useLoad(() => api.versions(props.flowId));
  const { reload } = versions;
  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey asks for a reload after a save or publish.
  useEffect(() => reload(), [props.refreshKey, reload]);
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [diff, setDiff] = useState<FlowDiff | null>(null);
  const [error, setError] = useState<unknown>(null);
  const items = versions.data ?? [];
  const latest = items[0]?.version ?? 1;
  const published = items.find((v) => v.isPublished)?.version ?? null;
  const fromV = from ?? Math.max(1, latest - 1);
  const toV = to ?? latest;

  const compare = async () => {
    setError(null);
    try {
      setDiff(await api.diff(props.flowId, fromV, toV));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section className="versions-panel" aria-labelledby="versions-title" data-refresh={props.refreshKey}>
      <h2 id="versions-title">Versions</h2>
      <ErrorMessage error={versions.error ?? error} />
      <ul className="version-list">
        {items.map((v) => (
          <li key={v.version} data-version={v.version}>
            <span>
              v{v.version} {v.isPublished && <span className="badge published">Published</span>}{" "}
              {v.isLatest && <span className="badge">Latest</span>}
            </span>
            <span className="hint">{new Date(v.createdAt).toLocaleString()}</span>
            {!v.isPublished && (
              <button
                type="button"
                className="secondary"
                onClick={() => void props.onPublish(v.version).then(versions.reload)}
              >
                {label(v, published)}
                <span className="visually-hidden"> version {v.version}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {items.length > 1 && (
        <div className="diff-form">
          <label htmlFor="diff-from">From</label>
          <select id="diff-from" value={fromV} onChange={(e) => setFrom(Number(e.target.value))}>
            {items.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          <label htmlFor="diff-to">To</label>
          <select id="diff-to" value={toV} onChange={(e) => setTo(Number(e.target.value))}>
            {items.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void compare()}>
            Show changes
          </button>
        </div>
      )}
      {diff && <DiffView diff={diff} />}
    </section>
  );
}

const label = (v: FlowVersion, published: number | null) =>
  published !== null && v.version < published ? "Roll back to" : "Publish";

export function DiffView({ diff }: { diff: FlowDiff }) {
  if (diff.identical) return <p className="diff">No changes.</p>;
  const changes: ValueChange[] = [
    ...diff.steps.changed.flatMap((s) => s.changes),
    ...diff.trigger,
    ...diff.topLevel,
  ];
  return (
    <section className="diff" aria-label="Changes">
      <ul>
        {diff.steps.added.map((s) => (
          <li key={`a-${s.id}`} className="diff-added">
            Step <code>{s.id}</code> ({s.type}) added
          </li>
        ))}
        {diff.steps.removed.map((s) => (
          <li key={`r-${s.id}`} className="diff-removed">
            Step <code>{s.id}</code> ({s.type}) removed
          </li>
        ))}
        {diff.steps.moved.map((s) => (
          <li key={`m-${s.id}`}>
            Step <code>{s.id}</code> moved from position {s.fromIndex + 1} to {s.toIndex + 1}
          </li>
        ))}
        {changes.map((c) => (
          <li key={`${c.change}-${c.path}`} className={`diff-${c.change}`}>
            <code>{c.path}</code> {c.change}
            {c.change !== "added" && (
              <>
                {" "}
                from <code>{short(c.old)}</code>
              </>
            )}
            {c.change !== "removed" && (
              <>
                {" "}
                to <code>{short(c.new)}</code>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? "";
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
};
