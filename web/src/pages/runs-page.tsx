import { type FormEvent, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import { RUN_STATUSES, type RunFilter, type RunStatus, type RunSummary } from "../api/types";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { useLoad, useRetryAfterSignIn } from "../components/use-load";
import { replaceQuery } from "../router";
import { fromLocalInput, RunFilters, toLocalInput } from "./run-filters";
import { runStepOf } from "./run-step";

const PAGE_SIZE = 25;

export const when = (iso: string) => new Date(iso).toLocaleString();

export function RunStatusBadge({ status }: { status: string }) {
  return <span className={`badge run-${status}`}>{status}</span>;
}

const FILTER_KEYS = ["flowId", "status", "channelId", "contactId", "since", "until"] as const;

/** The filters in the address bar (`/runs?contactId=…` is a link other pages make). */
function filterFromUrl(): RunFilter {
  const q = new URLSearchParams(location.search);
  const filter: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = q.get(key);
    if (value) filter[key] = value;
  }
  return filter as RunFilter;
}

/**
 * Runs newest first, filtered by flow, status, channel, contact and start time, a page at a time
 * ("Load more" follows the cursor). The filters are kept in the URL's query.
 */
export function RunsPage() {
  const flows = useLoad(api.listFlows);
  const channels = useLoad(api.listChannels);
  const [initial] = useState(filterFromUrl);
  const [flowId, setFlowId] = useState(initial.flowId ?? "");
  const [status, setStatus] = useState<RunStatus | "">(initial.status ?? "");
  const [channelId, setChannelId] = useState(initial.channelId ?? "");
  const [contactId, setContactId] = useState(initial.contactId ?? "");
  const [since, setSince] = useState(toLocalInput(initial.since));
  const [until, setUntil] = useState(toLocalInput(initial.until));
  const [filter, setFilter] = useState<RunFilter>(initial);
  const [runs, setRuns] = useState<RunSummary[]>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Each new filter starts a new generation: answers for an older one are dropped.
  const generation = useRef(0);

  const load = async (f: RunFilter, cursor: string | undefined) => {
    const mine = generation.current;
    const isCurrent = () => generation.current === mine;
    setBusy(true);
    setError(null);
    try {
      const page = await api.listRuns({ ...f, cursor, limit: PAGE_SIZE });
      if (!isCurrent()) return;
      setRuns((previous) => (cursor && previous ? [...previous, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (e) {
      if (isCurrent()) setError(e);
    } finally {
      if (isCurrent()) setBusy(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is recreated each render; the filter drives it.
  useEffect(() => {
    generation.current += 1;
    setRuns(undefined);
    replaceQuery(Object.fromEntries(FILTER_KEYS.map((k) => [k, filter[k]])));
    void load(filter, undefined);
  }, [filter]);

  useRetryAfterSignIn(error, () => setFilter((f) => ({ ...f })));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter({
      flowId: flowId || undefined,
      status: status || undefined,
      channelId: channelId || undefined,
      contactId: contactId.trim() || undefined,
      since: fromLocalInput(since),
      until: fromLocalInput(until),
    });
  };

  const flowName = new Map((flows.data ?? []).map((f) => [f.id, f.name]));

  return (
    <main>
      <div className="page-head">
        <h1>Runs</h1>
      </div>
      <form className="filters" onSubmit={apply} aria-label="Filter runs">
        <div>
          <label htmlFor="run-flow">Flow</label>
          <select id="run-flow" value={flowId} onChange={(e) => setFlowId(e.target.value)}>
            <option value="">All flows</option>
            {(flows.data ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="run-status">Status</label>
          <select
            id="run-status"
            value={status}
            onChange={(e) => setStatus(e.target.value as RunStatus | "")}
          >
            <option value="">Any status</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <RunFilters
          channels={channels.data ?? []}
          channelId={channelId}
          setChannelId={setChannelId}
          contactId={contactId}
          setContactId={setContactId}
          since={since}
          setSince={setSince}
          until={until}
          setUntil={setUntil}
        />
        <button type="submit">Filter</button>
      </form>
      <ErrorMessage error={flows.error} />
      <ErrorMessage error={error} />
      {runs === undefined && !error && <p aria-busy="true">Loading runs…</p>}
      {runs?.length === 0 && <p>No runs match.</p>}
      {runs && runs.length > 0 && (
        <table className="runs">
          <caption className="visually-hidden">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Flow</th>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Step</th>
              <th scope="col">Contact</th>
              <th scope="col">Started</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-run-id={run.id}>
                <td data-label="Run" className="wrap">
                  <Link to={`/runs/${run.id}`}>{run.id}</Link>
                </td>
                <td data-label="Flow">{flowName.get(run.flowId) ?? run.flowId}</td>
                <td data-label="Version">v{run.flowVersion}</td>
                <td data-label="Status">
                  <RunStatusBadge status={run.status} />
                </td>
                <td data-label="Step">{runStepOf(run).stepId ?? "–"}</td>
                <td data-label="Contact" className="wrap">
                  <Link to={`/contacts/${run.contactId}`}>{run.contactId}</Link>
                </td>
                <td data-label="Started">{when(run.createdAt)}</td>
                <td data-label="Updated">{when(run.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <p>
          <button
            type="button"
            className="button secondary"
            disabled={busy}
            onClick={() => void load(filter, nextCursor)}
          >
            Load more
          </button>
        </p>
      )}
    </main>
  );
}
