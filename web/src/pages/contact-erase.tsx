import { useState } from "react";
import { api } from "../api/client";
import type { Contact } from "../api/types";
import { ErrorMessage } from "../components/error-message";

/**
 * Erase on a contact's page (the right to erasure), after a confirm that says what goes and what
 * stays. `onDone` gets what happened: erased at once, or queued (PostgreSQL waits for the
 * conversation's turn; the API's words say so).
 */
export function ContactErase({
  contact,
  onDone,
}: {
  contact: Contact;
  onDone(outcome: { state: "erased" | "queued"; message: string }): void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setBusy] = useState(false);
  const who = contact.name ?? contact.phone ?? contact.id;

  const erase = async () => {
    const question = `Erase ${who}? Tern deletes them for good: every identity, message, run with its history, tag and attribute. Records in Salesforce stay: erase them there. This cannot be undone.`;
    if (!window.confirm(question)) return;
    setBusy(true);
    setError(null);
    try {
      const outcome = await api.eraseContact(contact.id);
      onDone(
        outcome.state === "erased"
          ? { state: "erased", message: `${who} is erased.` }
          : {
              state: "queued",
              message: `Not erased yet: ${outcome.message || "the erasure is queued and runs when a worker takes it."} Until then ${who} stays readable here.`,
            },
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="contact-erase">
      <button
        type="button"
        className="button secondary danger"
        disabled={isBusy}
        onClick={() => void erase()}
      >
        Erase contact
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
