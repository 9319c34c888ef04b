/** The subset of WHATWG fetch Tern uses; injected so adapters stay testable. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;
