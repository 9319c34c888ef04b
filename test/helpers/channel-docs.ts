import type { ChannelCapabilities } from "../../src/channels/channel.js";
import { channelTypes } from "../../src/channels/registry.js";

/** The capability table of docs/channels/README.md, rendered from what each adapter declares. */
export function capabilityTable(): string {
  const yes = (v: boolean) => (v ? "yes" : "no");
  const limit = (l: ChannelCapabilities["buttons"]) => (l ? `${l.max} (≤ ${l.titleMax} chars)` : "—");
  // With its unit: Instagram's 1000 and WeChat's 2048 are bytes, a third of that in CJK text.
  const units = { chars: "chars", utf16: "UTF-16 units", bytes: "bytes" } as const;
  const text = (c: ChannelCapabilities) => `${c.maxTextLength} ${units[c.textUnit ?? "chars"]}`;
  const rows = Object.entries(channelTypes).map(([type, def]) => {
    const c: ChannelCapabilities = def.capabilities;
    const exactlyOnce = c.echoesCorrelation
      ? "reconciled by echo"
      : c.idempotentSends
        ? "idempotent resend"
        : "at most once";
    return `| [${type}](${type}.md) | ${text(c)} | ${limit(c.buttons)} | ${limit(c.lists)} | ${c.media.length > 0 ? c.media.join(", ") : "—"} | ${c.replyWindowHours ? `${c.replyWindowHours} h` : "—"} | ${yes(c.statuses)} | ${exactlyOnce} | ${c.sendRatePerSecond ?? "—"} | ${c.ackDeadlineMs ? `${c.ackDeadlineMs / 1000} s` : "—"} |`;
  });
  return [
    "| type | text limit | buttons | lists | media by URL | reply window | statuses | a send with a lost answer | sends/s | provider's ack deadline |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
