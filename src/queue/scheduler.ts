import type { Clock } from "../core/clock.js";
import { onFirstUse } from "../core/on-first-use.js";
import { matchChannelRef } from "../flows/channel-ref.js";
import type { ScheduleTrigger } from "../flows/trigger-schema.js";
import type { Store } from "../store/store.js";
import { writtenAddress } from "./phone-address.js";
import { enqueueRun, type LoadFlow, publishedWithTrigger } from "./triggers.js";

/** Loaded when a schedule trigger is first read (most deployments have none). */
const cron = onFirstUse<typeof import("cron-parser")>("cron-parser");

/** How often published schedules are looked at (a firing is at most this late). */
export const SCHEDULE_TICK_MS = 15_000;
/** A scheduled time missed by more than this (the process was down) is skipped, not fired late. */
export const SCHEDULE_MAX_LATE_MS = 60 * 60_000;

export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  flow: LoadFlow;
  notify(keys: string[]): void;
  log: { warn(o: object, m?: string): void; error(o: object, m?: string): void };
  tickMs?: number;
}

/** Longer than any daylight-saving shift (Antarctica/Troll's is 2 h), plus how late a time may fire. */
const DST_SHIFT_MAX_MS = 2 * 60 * 60_000;
/** Times walked near a change; a denser cron (every few seconds) keeps prev()'s reading. */
const DST_WALK_MAX = 300;

/** The most recent time the cron expression names at or before `now`, in its time zone. */
export function previousFiring(trigger: Pick<ScheduleTrigger, "cron" | "timezone">, now: number): number {
  const tz = trigger.timezone ?? "UTC";
  // +1 ms: a firing exactly at `now` counts as due.
  const prev = cron()
    .CronExpressionParser.parse(trigger.cron, { tz, currentDate: new Date(now + 1) })
    .prev()
    .getTime();
  // cron-parser's prev() reads a daylight-saving change otherwise than its next(): it skips a
  // 02:30 in the spring gap (that day fired nothing) and names an autumn 02:30 twice (every member
  // got the run twice). next() names them as cron does, once each (the gap's time an hour on), so
  // near a change the times are walked forward.
  const from = Math.max(now - DST_SHIFT_MAX_MS - SCHEDULE_MAX_LATE_MS, prev - DST_SHIFT_MAX_MS);
  if (utcOffset(from, tz) === utcOffset(now, tz)) return prev;
  const it = cron().CronExpressionParser.parse(trigger.cron, { tz, currentDate: new Date(from) });
  let latest = prev;
  for (let i = 0, at = it.next().getTime(); at <= now; i++, at = it.next().getTime()) {
    if (i === DST_WALK_MAX) return prev;
    latest = at;
  }
  return latest;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `at`, in minutes. */
function utcOffset(at: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    offsetFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"));
  return Math.round((local - Math.floor(at / 60_000) * 60_000) / 60_000);
}

/**
 * Schedule triggers (`trigger: { type: "schedule", cron, timezone, audience }`). Every tick, each
 * published schedule's most recent scheduled time is claimed in `schedule_firings` (primary key:
 * flow, scheduled time) in the same commit that queues a run per audience member, so a time
 * fires once across restarts and any number of processes. A time before the version was
 * published, or missed by more than an hour, does not fire. A member busy in another run is skipped.
 */
export function createScheduler(deps: SchedulerDeps) {
  const { store, clock, log } = deps;
  let timer: NodeJS.Timeout | null = null;

  /** Where each audience member's run goes: (channel id, address). */
  const audienceOf = async (
    trigger: ScheduleTrigger,
  ): Promise<Array<{ channelId: string; address: string }>> => {
    const members = new Map<string, { channelId: string; address: string }>();
    const refs = trigger.audience.contacts ?? [];
    const channels = refs.length > 0 ? await store.channels.list() : [];
    for (const ref of refs) {
      // Publish checks the names (installation-check.ts); a channel deleted since is skipped.
      const match = matchChannelRef(channels, ref.channel);
      if ("problem" in match) {
        log.warn({ channel: ref.channel, problem: match.problem }, "schedule audience member skipped");
        continue;
      }
      const { channel } = match;
      // A number reaches the conversation the person talks in, as a run the API starts for it.
      const address = await writtenAddress(store.contacts, channel, ref.address);
      members.set(`${channel.id}:${address}`, { channelId: channel.id, address });
    }
    if (trigger.audience.tag) {
      for (const contactId of await store.triggers.contactsWithTag(trigger.audience.tag)) {
        const identity = await store.triggers.latestIdentity(contactId);
        if (identity) members.set(`${identity.channelId}:${identity.address}`, identity);
      }
    }
    return [...members.values()];
  };

  const fire = async (
    flowId: string,
    version: number,
    trigger: ScheduleTrigger,
    now: number,
  ): Promise<void> => {
    const at = previousFiring(trigger, now);
    if (now - at > SCHEDULE_MAX_LATE_MS) return;
    const publishedAt = (await store.flows.version(flowId, version))?.publishedAt ?? now;
    if (at < publishedAt) return;
    const audience = await audienceOf(trigger);
    const keys = await store.write(async (tx) => {
      if (!(await tx.triggers.claimFiring(flowId, at, audience.length, now))) return [];
      const queued: string[] = [];
      for (const member of audience) {
        const { key } = await enqueueRun(
          tx,
          member.channelId,
          {
            flowId,
            source: "schedule",
            address: member.address,
            input: { scheduledAt: new Date(at).toISOString() },
            ifBusy: "skip",
          },
          `${flowId}:${at}:${member.address}`,
          now,
        );
        if (key) queued.push(key);
      }
      return queued;
    });
    deps.notify(keys);
  };

  const tick = async (): Promise<void> => {
    const now = clock.now();
    for (const { flowId, version, trigger } of await publishedWithTrigger(store, deps.flow, "schedule")) {
      try {
        await fire(flowId, version, trigger, now);
      } catch (error) {
        log.error({ flowId, err: error }, "schedule trigger failed; tried again at the next tick");
      }
    }
  };

  return {
    /** Looks at every published schedule once (tests call it after moving the clock). */
    tick,
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        tick().catch((error: unknown) => log.error({ err: error }, "schedule tick failed"));
      }, deps.tickMs ?? SCHEDULE_TICK_MS);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
