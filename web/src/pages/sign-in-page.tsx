import { type FormEvent, useState } from "react";
import { api } from "../api/client";
import { ErrorMessage } from "../components/error-message";

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(token.trim());
      onSignedIn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="narrow">
      <h1>Sign in to Tern</h1>
      <form onSubmit={submit}>
        <label htmlFor="admin-token">Admin token</label>
        <input
          id="admin-token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          value={token}
          onChange={(e) => {
            setToken(e.target.value);
            setError(null);
          }}
          aria-describedby="admin-token-help"
        />
        <p id="admin-token-help" className="hint">
          The value of <code>TERN_ADMIN_TOKEN</code>, or the file <code>tern serve</code> names at start.
        </p>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
