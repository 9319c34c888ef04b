import { useId, useRef, useState } from "react";

/**
 * A read-only value with a Copy button (webhook URLs, verify tokens). The clipboard API needs a
 * secure context; elsewhere the text is selected and copied the old way.
 */
export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      input.current?.select();
      document.execCommand("copy");
    }
    setCopied(`${label} copied.`);
  };
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input
          ref={input}
          id={id}
          type="text"
          readOnly
          value={value}
          data-testid={testId}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button secondary" onClick={() => void copy()}>
          Copy<span className="visually-hidden"> {label}</span>
        </button>
      </div>
      <span className="hint" role="status">
        {copied}
      </span>
    </div>
  );
}
