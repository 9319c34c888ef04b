import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import { api, SIGNED_IN_AGAIN_EVENT, SIGNED_OUT_EVENT } from "./api/client";
import type { SignInMethod } from "./api/types";
import { Link } from "./components/link";
import { useFocusHeadingOnNavigate } from "./focus-heading";
import { nextPage } from "./next-page";
import { ChannelsPage } from "./pages/channels-page";
import { ConnectionsPage } from "./pages/connections-page";
import { ContactPage } from "./pages/contact-page";
import { ContactsPage } from "./pages/contacts-page";
import { FlowDetailPage } from "./pages/flow-detail-page";
import { FlowsPage } from "./pages/flows-page";
import { RunPage } from "./pages/run-page";
import { RunsPage } from "./pages/runs-page";
import { SignInPage } from "./pages/sign-in-page";
import { TryItPage } from "./pages/try-it-page";
import { matchRoute, mayLeave, navigate, usePath } from "./router";

/** "expired": the session ended while signed in; the page stays (with its unsaved work) under a sign-in dialog. */
type Auth = "unknown" | "signed-in" | "signed-out" | "expired";

/** The main navigation: its links and the first path segment each stands for. */
const NAV = [
  ["/flows", "Flows"],
  ["/runs", "Runs"],
  ["/contacts", "Contacts"],
  ["/channels", "Channels"],
  ["/connections", "Connections"],
] as const;

/** The navigation link of the section a path is in (`/flows/x/edit` → `/flows`), if any. */
function sectionOf(path: string): string | undefined {
  const first = `/${(path.split("?")[0] ?? "").split("/")[1] ?? ""}`;
  return NAV.find(([to]) => to === (first === "/" ? "/flows" : first))?.[0];
}

/** Where a sign-in returns: a page of this app named in `?next=`, else the flows list. */
const returnPage = () => nextPage(new URLSearchParams(location.search).get("next"), location.origin);

// The editor (and @xyflow/react) is its own chunk: the other pages load without it.
const EditorPage = lazy(() => import("./pages/editor/editor-page").then((m) => ({ default: m.EditorPage })));

export function App() {
  const path = usePath();
  const [auth, setAuth] = useState<Auth>("unknown");
  // The sign-in ways the first GET /session named; after a sign-out the sign-in page asks again.
  const [methods, setMethods] = useState<SignInMethod[] | undefined>();

  useEffect(() => {
    api.session().then(
      (state) => {
        if (!state.signedIn) setMethods(state.methods);
        setAuth(state.signedIn ? "signed-in" : "signed-out");
      },
      () => setAuth("signed-out"),
    );
  }, []);

  // Where the keyboard was when the session ended: it goes back there once signed in again.
  const returnFocus = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const signedOut = () => {
      const active = document.activeElement;
      if (!returnFocus.current && active instanceof HTMLElement && !active.closest(".session-expired")) {
        returnFocus.current = active;
      }
      setMethods(undefined);
      setAuth((was) => (was === "signed-in" || was === "expired" ? "expired" : "signed-out"));
    };
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
  }, []);

  // Every page but sign-in needs a session; the sign-in comes back here (`?next=`).
  useEffect(() => {
    if (auth === "signed-out" && !path.startsWith("/sign-in")) {
      const isHome = path === "/" || path === "/flows";
      navigate(isHome ? "/sign-in" : `/sign-in?next=${encodeURIComponent(path)}`, {
        replace: true,
        force: true,
      });
    }
    if (auth === "signed-in" && path.startsWith("/sign-in"))
      navigate(returnPage(), { replace: true, force: true });
  }, [auth, path]);

  useEffect(() => {
    if (auth === "signed-out") returnFocus.current = null;
    if (auth !== "signed-in" || !returnFocus.current) return;
    if (returnFocus.current.isConnected) returnFocus.current.focus();
    returnFocus.current = null;
  }, [auth]);

  useFocusHeadingOnNavigate(path);

  // The tab says which section is open (history and bookmarks tell pages apart).
  useEffect(() => {
    const label = NAV.find(([to]) => to === sectionOf(path))?.[1];
    document.title = label ? `${label} · Tern` : "Tern";
  }, [path]);

  const onSignedIn = useCallback(() => {
    setAuth("signed-in");
    navigate(returnPage(), { replace: true, force: true });
  }, []);
  // Signed in again over an expired session: the page underneath goes on where it was, and loads
  // that the ended session refused are made again.
  const onResumed = useCallback(() => {
    setAuth("signed-in");
    window.dispatchEvent(new Event(SIGNED_IN_AGAIN_EVENT));
  }, []);

  const signOut = async () => {
    if (!mayLeave()) return;
    await api.signOut().catch(() => undefined);
    setMethods(undefined);
    setAuth("signed-out");
  };

  if (auth === "unknown") return <p aria-busy="true">Loading…</p>;
  const route = matchRoute(path);
  const section = sectionOf(path);
  // Under the session dialog the page is out of reach (Tab, screen readers) until signed in again.
  const isBehindDialog = auth === "expired";
  return (
    <>
      <a className="skip" href="#content" inert={isBehindDialog}>
        Skip to content
      </a>
      <header className="top" inert={isBehindDialog}>
        <Link to="/flows" className="brand">
          Tern
        </Link>
        {(auth === "signed-in" || auth === "expired") && (
          <nav aria-label="Main">
            {NAV.map(([to, label]) => (
              <Link key={to} to={to} current={section === to}>
                {label}
              </Link>
            ))}
            <button type="button" className="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <div id="content" inert={isBehindDialog}>
        {route.page === "sign-in" || auth === "signed-out" ? (
          <SignInPage methods={methods} onSignedIn={onSignedIn} />
        ) : route.page === "flows" ? (
          <FlowsPage />
        ) : route.page === "flow" ? (
          <FlowDetailPage key={route.id} id={route.id} />
        ) : route.page === "try" ? (
          <TryItPage key={route.id} id={route.id} />
        ) : route.page === "flow-edit" ? (
          <Suspense fallback={<p aria-busy="true">Loading the editor…</p>}>
            <EditorPage key={`edit:${route.id}`} id={route.id} />
          </Suspense>
        ) : route.page === "flow-new" ? (
          <Suspense fallback={<p aria-busy="true">Loading the editor…</p>}>
            <EditorPage key="new" id={null} />
          </Suspense>
        ) : route.page === "runs" ? (
          <RunsPage key={path} />
        ) : route.page === "run" ? (
          <RunPage key={route.id} id={route.id} />
        ) : route.page === "connections" ? (
          <ConnectionsPage />
        ) : route.page === "channels" ? (
          <ChannelsPage />
        ) : route.page === "contacts" ? (
          <ContactsPage key={path} />
        ) : route.page === "contact" ? (
          <ContactPage key={route.id} id={route.id} />
        ) : (
          <main>
            <h1>Not found</h1>
            <p>
              <Link to="/flows">Back to the flows</Link>
            </p>
          </main>
        )}
      </div>
      {auth === "expired" && (
        <div
          className="session-expired"
          role="dialog"
          aria-modal="true"
          aria-labelledby="session-expired-title"
        >
          <SignInPage
            as="section"
            title="Your session ended"
            note="Sign in again to go on: this page keeps what you were doing."
            titleId="session-expired-title"
            onSignedIn={onResumed}
          />
        </div>
      )}
    </>
  );
}
