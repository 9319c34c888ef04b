import type { ContactMessage } from "../api/types";
import { MessageList } from "../components/message-list";

/** A contact's messages, one conversation per channel, oldest first. */
export function ContactConversations({
  messages,
  channelName,
}: {
  messages: ContactMessage[];
  channelName: Map<string, string>;
}) {
  const byChannel = new Map<string, ContactMessage[]>();
  for (const m of messages) byChannel.set(m.channelId, [...(byChannel.get(m.channelId) ?? []), m]);
  return (
    <>
      <h2>Conversations</h2>
      {byChannel.size === 0 && <p className="hint">No messages yet.</p>}
      {[...byChannel].map(([channelId, list]) => {
        const name = channelName.get(channelId) ?? channelId;
        return (
          <section key={channelId} className="conversation" aria-label={`Conversation on ${name}`}>
            <h3>On {name}</h3>
            <MessageList messages={list} label={`Messages on ${name}`} />
          </section>
        );
      })}
    </>
  );
}
