import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api } from "../../api/client";
import type { RunDetail } from "../../api/types";
import { useRetryAfterSignIn } from "../use-load";
import { type Conversation, sandboxApi } from "./try-it-api";

/** How often the conversation and the run are read while the run is active. */
export const POLL_MS = 500;
/** A run still not created after this many reads (20 s) is not coming: stop and say so. */
const QUEUED_POLLS_MAX = 40;

export interface TrySession {
  runId: string;
  channel: string;
  from: string;
  version: number;
  /** Messages of this customer from before this run (an earlier try), left out of the panel. */
  baseline: { received: number; said: number };
}

export const isActive = (run: RunDetail | null) =>
  run === null || run.status === "running" || run.status === "waiting";

/** The step the run is at: where it waits, else the one it runs; null once it ended. */
export const stepOf = (run: RunDetail | null): string | null =>
  run && isActive(run) ? (run.waitingFor?.stepId ?? run.currentStep) : null;

/**
 * One Try it conversation: starts (or restarts) a run of the flow's version for a sandbox customer,
 * then reads the conversation and the run every POLL_MS while the run is active, and once more
 * after it ended (its last reply). A run not created yet (queued) reads as null.
 */
export function useTrySession(flowId: string) {
  const [session, setSession] = useState<TrySession | null>(null);
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Kept apart from the reading's error, which each successful read clears: a refused message
  // stays said until the next one is sent.
  const [sayError, setSayError] = useState<unknown>(null);
  const [isBusy, setBusy] = useState(false);
  const latest = useRef(session);
  latest.current = session;

  const start = useCallback(
    async (channel: string, version: number) => {
      setBusy(true);
      setError(null);
      setSayError(null);
      try {
        const before = latest.current;
        // Restart on the same channel keeps the customer: the new run replaces the active one.
        const from = before?.channel === channel ? before.from : undefined;
        const old = from ? await sandboxApi.conversation(channel, from) : null;
        const started = await sandboxApi.start({ flowId, version, channel, ...(from ? { from } : {}) });
        setConversation(null);
        setRun(null);
        setSession({
          runId: started.runId,
          channel: started.channel,
          from: started.from,
          version: started.flowVersion,
          baseline: { received: old?.received.length ?? 0, said: old?.said.length ?? 0 },
        });
      } catch (e) {
        setError(e);
      } finally {
        setBusy(false);
      }
    },
    [flowId],
  );

  /** Whether the customer's message was taken. */
  const say = useCallback(async (message: { text: string } | { choice: string }): Promise<boolean> => {
    const current = latest.current;
    if (!current) return false;
    setSayError(null);
    try {
      await sandboxApi.say(current.channel, current.from, message);
      return true;
    } catch (e) {
      setSayError(e);
      return false;
    }
  }, []);

  useEffect(() => {
    if (!session) return;
    let isStopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pollsAfterEnd = 0;
    let pollsQueued = 0;
    const tick = async () => {
      try {
        const [conv, detail] = await Promise.all([
          sandboxApi.conversation(session.channel, session.from),
          api.getRun(session.runId).catch((e: unknown) => {
            if (e instanceof ApiError && e.status === 404) return null;
            throw e;
          }),
        ]);
        if (isStopped) return;
        setConversation({
          ...conv,
          received: conv.received.slice(session.baseline.received),
          said: conv.said.slice(session.baseline.said),
        });
        setRun(detail);
        setError(null);
        if (!isActive(detail)) pollsAfterEnd += 1;
        if (pollsAfterEnd > 1) return;
        pollsQueued = detail === null ? pollsQueued + 1 : 0;
        if (pollsQueued > QUEUED_POLLS_MAX) {
          setError(new Error(`Run ${session.runId} did not start; see the server log, then Restart.`));
          return;
        }
      } catch (e) {
        if (isStopped) return;
        setError(e);
        // The sandbox went away: nothing more to read.
        if (e instanceof ApiError && (e.code === "SANDBOX_OFF" || e.status === 401)) return;
      }
      timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      isStopped = true;
      clearTimeout(timer);
    };
  }, [session]);

  // The reading stopped at the ended session's 401: a new session object starts it again.
  useRetryAfterSignIn(error, () => setSession((s) => s && { ...s }));

  return { session, conversation, run, error: sayError ?? error, isBusy, start, say };
}
