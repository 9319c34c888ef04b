import type { ChannelDefinition } from "../channels/channel.js";
import { AppError } from "../core/app-error.js";
import type { RunEvent } from "../flows/runtime.js";
import type { RunRow } from "../store/repos/run-repo.js";
import type { RunContext } from "./effects.js";

/** Providers redeliver an unacknowledged webhook for at most about a week (Meta, Google: 7 days). */
const REDELIVERY_HORIZON_MS = 8 * 86_400_000;
/** A provider clock this far ahead of ours is not believed. */
const CLOCK_SKEW_MS = 10 * 60_000;

/**
 * What a turn's sends answer: when the customer last wrote (the reply window's start) and the
 * message's one-time reply handle (LINE), for the turn's first send if its channel uses it.
 *
 * The window starts at the customer's last message in this conversation (provider time), so a
 * message redelivered a day late finds its window closed. A provider time older than any
 * redelivery (a documentation example's, a clock years off) or ahead of ours is no send time:
 * then Tern's, when the identity last received a message. A run with no message (a schedule's,
 * the API's) has no window start.
 */
export function answering(
  event: RunEvent,
  run: Pick<RunRow, "state">,
  lastInboundAt: number | null | undefined,
  now: number,
  /** A message of the conversation that arrived but is not the event (it fired an overdue deadline). */
  arrivedAt?: number,
): Pick<RunContext, "lastInboundAt" | "reply"> {
  const inbound = event.type === "reply" || event.type === "start" ? event.message : undefined;
  const given = [inbound?.timestamp, run.state.message?.timestamp, arrivedAt].filter(
    (t): t is number => t !== undefined,
  );
  const believed = given.filter((t) => t > now - REDELIVERY_HORIZON_MS && t < now + CLOCK_SKEW_MS);
  const windowStart =
    believed.length > 0 ? Math.max(...believed) : given.length > 0 ? (lastInboundAt ?? undefined) : undefined;
  const reply = inbound?.replyToken ? { token: inbound.replyToken, at: inbound.timestamp } : undefined;
  return { lastInboundAt: windowStart, reply };
}

/**
 * The channel's reply window (WhatsApp, Messenger, Instagram: 24 h; WeChat 48 h) has closed
 * since the customer last wrote: a free-form message would be refused (WhatsApp 131047, Messenger
 * 10 / 2018278, WeChat 45015). The error says what the provider still takes there.
 */
export function windowClosed(
  definition: ChannelDefinition,
  lastInboundAt: number | undefined,
  now: number,
): AppError | null {
  const hours = definition.capabilities.replyWindowHours;
  if (hours === undefined || lastInboundAt === undefined || now - lastInboundAt <= hours * 3_600_000)
    return null;
  return new AppError(
    "CHANNEL_SEND_FAILED",
    `More than ${hours} hours have passed since the customer's last message on ${definition.title}, which then accepts ${definition.capabilities.afterReplyWindow ?? "no free-form message"}; the message was not sent.`,
    { retry: "never", details: { undeliverable: true, windowHours: hours, lastInboundAt } },
  );
}
