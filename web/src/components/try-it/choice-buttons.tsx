import { useId, useState } from "react";
import type { ChoiceStyle } from "./try-it-api";

interface Props {
  choices: string[];
  style: ChoiceStyle;
  /** False once the answer can no longer be given (the run ended, or a later question came). */
  isEnabled: boolean;
  onChoose(title: string): void;
}

/**
 * A message's choices drawn as its channel shows them: WhatsApp reply buttons under the bubble (up
 * to 3) or one list button that opens the rows; Telegram inline keyboard rows; a Viber keyboard;
 * Messenger/Instagram/LINE quick replies. SMS has none: the choices are numbered lines of the text.
 */
export function ChoiceButtons({ choices, style, isEnabled, onChoose }: Props) {
  const [isListOpen, setListOpen] = useState(false);
  const listId = useId();
  const button = (title: string) => (
    <button
      key={title}
      type="button"
      className="choice"
      disabled={!isEnabled}
      onClick={() => {
        setListOpen(false);
        onChoose(title);
      }}
    >
      {title}
    </button>
  );
  if (style === "list") {
    return (
      <div className="choices choices-list">
        <button
          type="button"
          className="choice list-toggle"
          aria-expanded={isListOpen}
          aria-controls={listId}
          disabled={!isEnabled}
          onClick={() => setListOpen((open) => !open)}
        >
          ☰ Choose an option
        </button>
        {isListOpen && (
          <ul id={listId} className="list-rows" aria-label="Options">
            {choices.map((title) => (
              <li key={title}>{button(title)}</li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  const label = {
    buttons: "Reply buttons",
    inline_keyboard: "Inline keyboard",
    keyboard: "Keyboard",
    quick_replies: "Quick replies",
  }[style];
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of buttons, named for screen readers
    <div className={`choices choices-${style.replace("_", "-")}`} role="group" aria-label={label}>
      {choices.map(button)}
    </div>
  );
}
