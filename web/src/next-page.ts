/** Where a sign-in goes when `?next=` names nothing it may return to. */
export const HOME = "/flows";

/**
 * The page a sign-in returns to: `next` when it is a path of this app, else the flows list.
 * Resolved as the browser would (a backslash is a slash, a tab is dropped: `/\evil.example` and
 * `/\t/evil.example` are other sites), so only a same-origin path is taken; history.replaceState
 * with another origin throws, which blanked the app.
 */
export function nextPage(next: string | null, origin: string): string {
  if (!next?.startsWith("/")) return HOME;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return HOME;
  }
  // `/a/..//b` resolves to the path `//b`, which replaceState would read as a host.
  if (url.origin !== origin || url.pathname.startsWith("//")) return HOME;
  if (url.pathname.startsWith("/sign-in")) return HOME;
  return url.pathname + url.search + url.hash;
}
