import { type FormEvent, useEffect, useRef, useState } from "react";
import { api, type Credentials } from "../api/client";
import type { SignInMethod } from "../api/types";
import { ErrorMessage } from "../components/error-message";

/**
 * Sign-in with the admin token, or with the user and password when the server has them
 * (TERN_ADMIN_USER, TERN_ADMIN_PASSWORD). Which ways exist comes from GET /session: `methods`
 * when the app already asked, else the page asks itself.
 */
export function SignInPage({
  methods: known,
  onSignedIn,
  as: Root = "main",
  title = "Sign in to Tern",
  titleId,
  note,
}: {
  methods?: SignInMethod[];
  onSignedIn: () => void;
  /** "section" inside a dialog over a page (an expired session), which has its own main. */
  as?: "main" | "section";
  title?: string;
  titleId?: string;
  note?: string;
}) {
  const [methods, setMethods] = useState<SignInMethod[] | undefined>(known);
  const [method, setMethod] = useState<SignInMethod>(known?.includes("password") ? "password" : "token");
  const [token, setToken] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (methods) return;
    let isCurrent = true;
    api.session().then(
      (state) => {
        if (!isCurrent) return;
        const found: SignInMethod[] = state.signedIn ? ["token"] : state.methods;
        setMethods(found);
        if (found.includes("password")) setMethod("password");
      },
      () => isCurrent && setMethods(["token"]),
    );
    return () => {
      isCurrent = false;
    };
  }, [methods]);

  // In the expired-session dialog the first field takes the keyboard (the page below keeps its
  // focus order otherwise: the sign-in page is reached from the top like any page).
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (methods && Root === "section")
      form.current?.querySelector<HTMLInputElement>("input:not([type=radio])")?.focus();
  }, [methods, Root]);

  const credentials: Credentials =
    method === "password" ? { user: user.trim(), password } : { token: token.trim() };
  const isComplete =
    "token" in credentials ? credentials.token !== "" : credentials.user !== "" && password !== "";

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(credentials);
      onSignedIn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const edit = (set: (value: string) => void) => (e: { target: { value: string } }) => {
    set(e.target.value);
    setError(null);
  };
  const choose = (next: SignInMethod) => {
    setMethod(next);
    setError(null);
  };

  return (
    <Root className="narrow">
      <h1 id={titleId}>{title}</h1>
      {note && <p>{note}</p>}
      {!methods ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <form ref={form} onSubmit={submit}>
          {methods.includes("password") && (
            <fieldset className="choice">
              <legend>Sign in with</legend>
              <label>
                <input
                  type="radio"
                  name="method"
                  checked={method === "password"}
                  onChange={() => choose("password")}
                />{" "}
                User and password
              </label>
              <label>
                <input
                  type="radio"
                  name="method"
                  checked={method === "token"}
                  onChange={() => choose("token")}
                />{" "}
                Admin token
              </label>
            </fieldset>
          )}
          {method === "password" ? (
            <>
              <label htmlFor="sign-in-user">User</label>
              <input
                id="sign-in-user"
                name="username"
                type="text"
                autoComplete="username"
                required
                value={user}
                onChange={edit(setUser)}
              />
              <label htmlFor="sign-in-password">Password</label>
              <input
                id="sign-in-password"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={edit(setPassword)}
                aria-describedby="sign-in-password-help"
              />
              <p id="sign-in-password-help" className="hint">
                <code>TERN_ADMIN_USER</code> and <code>TERN_ADMIN_PASSWORD</code> from the server's
                configuration.
              </p>
            </>
          ) : (
            <>
              <label htmlFor="admin-token">Admin token</label>
              <input
                id="admin-token"
                name="token"
                type="password"
                autoComplete="current-password"
                required
                value={token}
                onChange={edit(setToken)}
                aria-describedby="admin-token-help"
              />
              <p id="admin-token-help" className="hint">
                The value of <code>TERN_ADMIN_TOKEN</code>, or the file <code>tern serve</code> names at
                start.
              </p>
            </>
          )}
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy || !isComplete}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      )}
    </Root>
  );
}
