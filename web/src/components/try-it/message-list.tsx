import { useEffect, useRef } from "react";
import { ChoiceButtons } from "./choice-buttons";
import { TextWithRecordIds } from "./salesforce-ids";
import type { Conversation, ReceivedMessage } from "./try-it-api";

type Item =
  | { from: "flow"; message: ReceivedMessage; index: number }
  | { from: "customer"; text: string; choice?: string; at: string };

/** Both sides of the conversation by time; at the same instant the customer's message comes first. */
function itemsOf(conversation: Conversation): Item[] {
  const items: Item[] = [
    ...conversation.said.map((m) => ({
      from: "customer" as const,
      text: m.text,
      choice: m.choice,
      at: m.at,
    })),
    ...conversation.received.map((message, index) => ({ from: "flow" as const, message, index })),
  ];
  const at = (item: Item) => Date.parse(item.from === "flow" ? item.message.at : item.at);
  return items.sort((a, b) => at(a) - at(b) || (a.from === "customer" ? -1 : 1));
}

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/**
 * The conversation as chat bubbles (customer right, flow left), announced as it grows. Choices are
 * live on the flow's newest message only while the run is active.
 */
export function MessageList(props: {
  conversation: Conversation | null;
  isActive: boolean;
  onChoose(title: string): void;
}) {
  const { conversation } = props;
  const items = conversation ? itemsOf(conversation) : [];
  const newest = (conversation?.received.length ?? 0) - 1;
  // Keeps the newest message in view as the conversation grows, as a chat app does.
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el && items.length > 0) el.scrollTop = el.scrollHeight;
  }, [items.length]);
  return (
    <ol ref={list} className="chat" role="log" aria-live="polite" aria-label="Conversation">
      {items.length === 0 && <li className="chat-empty">No messages yet.</li>}
      {items.map((item) =>
        item.from === "customer" ? (
          <li key={`c-${item.at}-${item.text}`} className="bubble customer">
            <span className="visually-hidden">You{item.choice ? " tapped" : ""}: </span>
            {item.text}
            <time dateTime={item.at}>{time(item.at)}</time>
          </li>
        ) : (
          <li key={`f-${item.index}`} className="bubble flow" data-testid="flow-message">
            <span className="visually-hidden">Flow: </span>
            <span className="text">
              <TextWithRecordIds text={item.message.text} />
            </span>
            <time dateTime={item.message.at}>{time(item.message.at)}</time>
            {item.message.choices && item.message.choices.length > 0 && (
              <ChoiceButtons
                choices={item.message.choices}
                style={item.message.choiceStyle ?? "buttons"}
                isEnabled={props.isActive && item.index === newest}
                onChoose={props.onChoose}
              />
            )}
          </li>
        ),
      )}
    </ol>
  );
}
