import { Link } from "./link";
import { when } from "./when";

export interface ListedMessage {
  id: string;
  direction: "in" | "out";
  text: string;
  status: string;
  createdAt: string | number;
  runId?: string | null;
}

/** A conversation as a list: the customer's messages on one side, Tern's on the other, with status. */
export function MessageList({ messages, label }: { messages: ListedMessage[]; label: string }) {
  if (messages.length === 0) return <p className="hint">No messages.</p>;
  return (
    <ol className="messages" aria-label={label}>
      {messages.map((m) => (
        <li key={m.id} className={`message message-${m.direction}`} data-direction={m.direction}>
          <span className="visually-hidden">{m.direction === "in" ? "Customer: " : "Tern: "}</span>
          <p className="message-text">{m.text}</p>
          <p className="hint">
            {when(m.createdAt)}
            {m.direction === "out" ? ` · ${m.status}` : ""}
            {m.runId ? (
              <>
                {" · "}
                <Link to={`/runs/${m.runId}`}>run</Link>
              </>
            ) : null}
          </p>
        </li>
      ))}
    </ol>
  );
}
