import type { Channel } from "../api/types";

/** `2026-12-03T09:00:00.000Z` → the `datetime-local` value in the browser's time zone. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(/^\d+$/.test(iso) ? Number(iso) : iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` value (local time) → ISO 8601 for the API; undefined when empty. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The runs filters beyond flow and status: channel, contact, and the start-time range. */
export function RunFilters(props: {
  channels: Channel[];
  channelId: string;
  setChannelId(v: string): void;
  contactId: string;
  setContactId(v: string): void;
  since: string;
  setSince(v: string): void;
  until: string;
  setUntil(v: string): void;
}) {
  // Both are `datetime-local` values (YYYY-MM-DDTHH:mm), so they compare as text.
  const isInverted = props.since !== "" && props.until !== "" && props.since >= props.until;
  return (
    <>
      <div>
        <label htmlFor="run-channel">Channel</label>
        <select id="run-channel" value={props.channelId} onChange={(e) => props.setChannelId(e.target.value)}>
          <option value="">All channels</option>
          {props.channels.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="run-contact">Contact id</label>
        <input
          id="run-contact"
          type="text"
          placeholder="ct_…"
          value={props.contactId}
          onChange={(e) => props.setContactId(e.target.value)}
        />
      </div>
      <div>
        <label htmlFor="run-since">Started from</label>
        <input
          id="run-since"
          type="datetime-local"
          value={props.since}
          onChange={(e) => props.setSince(e.target.value)}
        />
      </div>
      <div>
        <label htmlFor="run-until">Started before</label>
        <input
          id="run-until"
          type="datetime-local"
          value={props.until}
          aria-invalid={isInverted || undefined}
          aria-describedby={isInverted ? "run-range-problem" : undefined}
          onChange={(e) => props.setUntil(e.target.value)}
        />
        {isInverted && (
          <p className="field-problem error" id="run-range-problem">
            "Started before" must be later than "Started from": no run can match these.
          </p>
        )}
      </div>
    </>
  );
}
