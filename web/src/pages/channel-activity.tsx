import { useState } from "react";
import { api } from "../api/client";
import type { ChannelMessage, RejectedEvent } from "../api/types";
import { ErrorMessage } from "../components/error-message";
import { Link } from "../components/link";
import { when } from "../components/when";

/**
 * A channel's recent deliveries (messages in and out with their status, no text) and the webhook
 * items it could not process, loaded when the person opens the section.
 */
export function ChannelActivity({ channelId }: { channelId: string }) {
  const [data, setData] = useState<{ messages: ChannelMessage[]; rejected: RejectedEvent[] }>();
  const [error, setError] = useState<unknown>(null);
  // Nothing is loading (aria-busy) until the section is first opened.
  const [isRequested, setRequested] = useState(false);

  const load = async () => {
    setRequested(true);
    setError(null);
    try {
      const [messages, rejected] = await Promise.all([
        api.channelMessages(channelId),
        api.rejectedEvents(channelId),
      ]);
      setData({ messages, rejected });
    } catch (e) {
      setError(e);
    }
  };

  return (
    <details
      className="activity"
      onToggle={(e) => {
        if ((e.target as HTMLDetailsElement).open) void load();
      }}
    >
      <summary>Recent deliveries and errors</summary>
      <ErrorMessage error={error} />
      {isRequested && data === undefined && !error && <p aria-busy="true">Loading…</p>}
      {data && (
        <>
          <h3>Messages</h3>
          {data.messages.length === 0 ? (
            <p className="hint">No messages yet.</p>
          ) : (
            <table className="deliveries">
              <caption className="visually-hidden">Newest messages on this channel</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Direction</th>
                  <th scope="col">Status</th>
                  <th scope="col">Contact</th>
                </tr>
              </thead>
              <tbody>
                {data.messages.map((m) => (
                  <tr key={m.id}>
                    <td data-label="Time">{when(m.createdAt)}</td>
                    <td data-label="Direction">{m.direction === "in" ? "received" : "sent"}</td>
                    <td data-label="Status">
                      <span className={`badge msg-${m.status}`}>{m.status}</span>
                    </td>
                    <td data-label="Contact" className="wrap">
                      <Link to={`/contacts/${m.contactId}`}>{m.contactId}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Rejected webhook items</h3>
          {data.rejected.length === 0 ? (
            <p className="hint">None: every delivery was read.</p>
          ) : (
            <ul className="rejected">
              {data.rejected.map((r) => (
                <li key={r.id}>
                  <span className="error">{r.reason}</span> {r.detail}{" "}
                  <span className="hint">
                    ({r.path}, {when(r.receivedAt)})
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </details>
  );
}
