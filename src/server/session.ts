import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import ipaddr from "ipaddr.js";
import { AppError } from "../core/app-error.js";
import type { Clock } from "../core/clock.js";
import { parseUrl } from "../core/secure-url.js";
import type { Store } from "../store/store.js";
import { createAdminAuth } from "./auth.js";
import { createThrottle } from "./throttle.js";

/**
 * Browser sign-in for the admin API (the Flow Builder). `POST /api/v1/session` trades the admin
 * token (or TERN_ADMIN_USER / TERN_ADMIN_PASSWORD) for two cookies:
 * - `tern_session`: a random id, HttpOnly, SameSite=Strict; only its SHA-256 is stored
 *   (store/repos/session-repo.ts), so every process on the database accepts it and signing out
 *   ends it everywhere;
 * - `tern_csrf`: a value scripts can read and must echo in `x-tern-csrf` on every unsafe request
 *   (double submit), which a page on another site cannot read. It is derived from the session
 *   id (one-way), so a CSRF cookie planted by a sibling subdomain does not match the session.
 * Bearer-token requests are unaffected. Unsafe requests with the cookie also need an `Origin`,
 * when sent, naming this server.
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 */
export const SESSION_COOKIE = "tern_session";
export const CSRF_COOKIE = "tern_csrf";
export const CSRF_HEADER = "x-tern-csrf";

export interface SessionDeps {
  store: Store;
  clock: Clock;
  adminToken: string;
  /** TERN_ADMIN_USER and TERN_ADMIN_PASSWORD, when both are set. */
  login?: { user: string; password: string };
  /** TERN_PUBLIC_URL (or the listening URL): https there makes the cookies `Secure`. */
  publicUrl: () => string;
  /** Session lifetime (TERN_SESSION_TTL). */
  ttlMs: number;
}

export type Credentials = { token: string } | { user: string; password: string };
/** How a browser may sign in here: always the admin token; a user and password when configured. */
export type SignInMethod = "token" | "password";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const digest = (value: string) => createHash("sha256").update(value).digest();
/** Equal strings, in time that depends on neither (digests have one length). */
const isSame = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

/** The CSRF value of a session: one-way from its id, so knowing it tells nothing about the id. */
export const csrfOf = (sessionId: string) =>
  createHash("sha256").update(`tern_csrf:${sessionId}`).digest("base64url");

/**
 * Whose failed sign-ins count together: an IPv4 address, or an IPv6 /64 (one subscriber usually
 * holds a whole /64, so counting single IPv6 addresses would let one client rotate through them).
 */
export function throttleKeyOf(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === "ipv4") return address.toString();
  return `${(address as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(":")}::/64`;
}

/** `name=value` pairs of a Cookie header; the first of a repeated name wins. Values are not decoded. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    let value = part.slice(at + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export function createSessions(deps: SessionDeps) {
  const checkToken = createAdminAuth(deps.adminToken);
  // 5 failed sign-ins or wrong bearer tokens at once per address, then one every 12 s (300 an hour).
  const throttle = createThrottle({ clock: deps.clock, capacity: 5, refillMs: 12_000 });
  /**
   * Sessions are stored under their id bound to the credentials they were signed in with: once
   * the admin token (or the user's password) changes, every session signed in with the old one
   * stops working, on every process, which is how an admin ends the sessions of a leaked token.
   */
  const credentials = createHash("sha256")
    .update(
      `tern-session-credentials\0${deps.adminToken}\0${deps.login?.user ?? ""}\0${deps.login?.password ?? ""}`,
    )
    .digest("base64url");
  const stored = (sessionId: string) => `${sessionId}.${credentials}`;

  const refuseWhileLocked = (client: string, reply?: FastifyReply): void => {
    const waitMs = throttle.waitMs(client);
    if (waitMs <= 0) return;
    reply?.header("retry-after", String(Math.ceil(waitMs / 1000)));
    throw new AppError(
      "TOO_MANY_ATTEMPTS",
      `Too many failed sign-ins or wrong tokens from this address; try again in ${Math.ceil(waitMs / 1000)} s.`,
      { retry: { afterMs: waitMs } },
    );
  };

  /**
   * A wrong credential counts against its address, and is logged (the address, never what was
   * given): an operator reading only the logs sees guessing going on.
   */
  const spendGuess = (request: FastifyRequest, client: string, credential: string): void => {
    throttle.spend(client);
    request.log.warn({ client: request.ip, credential }, "refused a wrong admin credential");
  };

  /**
   * Whose failed attempts count together: an address's guesses of the admin token (as a bearer
   * token or at sign-in), and apart from them its guesses of the user and password, so that
   * guessing one never locks the other out.
   */
  const tokenGuesses = (request: FastifyRequest) => `token ${throttleKeyOf(request.ip)}`;
  const passwordGuesses = (request: FastifyRequest) => `password ${throttleKeyOf(request.ip)}`;

  /**
   * The bearer token, counted with the token's failed sign-ins: guessing it is as slow as guessing
   * a password. A request that presents no token guessed nothing (a metrics scraper left without
   * one, a page asked for without a session): refused, not counted. Counted, five of them locked
   * the right token out of that address, for everyone behind it.
   */
  const bearer = async (request: FastifyRequest, reply?: FastifyReply): Promise<void> => {
    if (!/^Bearer\s+\S/i.test(request.headers.authorization ?? "")) return checkToken(request);
    const client = tokenGuesses(request);
    refuseWhileLocked(client, reply);
    try {
      await checkToken(request);
    } catch (error) {
      spendGuess(request, client, "admin token");
      throw error;
    }
  };

  const isSecure = (request: FastifyRequest) =>
    request.protocol === "https" || deps.publicUrl().startsWith("https:");

  const cookie = (request: FastifyRequest, name: string) => parseCookies(request.headers.cookie).get(name);

  function setCookies(
    request: FastifyRequest,
    reply: FastifyReply,
    values: { session: string; csrf: string } | null,
  ) {
    const maxAge = values ? Math.floor(deps.ttlMs / 1000) : 0;
    const secure = isSecure(request) ? "; Secure" : "";
    const common = `Path=/; Max-Age=${maxAge}; SameSite=Strict${secure}`;
    reply.header("set-cookie", [
      `${SESSION_COOKIE}=${values?.session ?? ""}; ${common}; HttpOnly`,
      `${CSRF_COOKIE}=${values?.csrf ?? ""}; ${common}`,
    ]);
  }

  /**
   * An `Origin` header, when present, must name this server: TERN_PUBLIC_URL's origin (scheme,
   * host and port), or the request's Host. For the Host, a server that knows it is served over
   * https (its public URL, or a TLS connection) takes only an https origin; one that does not may
   * sit behind a TLS proxy it is not told about, so either scheme.
   */
  function checkOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const given = parseUrl(origin);
    const pub = parseUrl(deps.publicUrl());
    const requestHost = (request.headers.host ?? "").toLowerCase();
    const schemes = isSecure(request) ? ["https:"] : ["http:", "https:"];
    const isPublic = given !== null && pub !== null && given.origin === pub.origin;
    const isHost =
      given !== null && given.host.toLowerCase() === requestHost && schemes.includes(given.protocol);
    if (isPublic || isHost) return;
    throw new AppError(
      "CSRF_FAILED",
      "The request's Origin is not this server: signed-in requests are accepted only from Tern's own pages.",
    );
  }

  function checkCsrf(request: FastifyRequest): void {
    const cookies = parseCookies(request.headers.cookie);
    const inCookie = cookies.get(CSRF_COOKIE) ?? "";
    const ofSession = csrfOf(cookies.get(SESSION_COOKIE) ?? "");
    const given = request.headers[CSRF_HEADER];
    // Both compared always; the header must equal the cookie (the contract) and the session's value.
    const isCookie = typeof given === "string" && isSame(given, inCookie);
    const isSession = typeof given === "string" && isSame(given, ofSession);
    if (!inCookie || !isCookie || !isSession) {
      throw new AppError(
        "CSRF_FAILED",
        `A signed-in ${request.method} needs the header ${CSRF_HEADER} equal to the ${CSRF_COOKIE} cookie.`,
      );
    }
    checkOrigin(request);
  }

  function isValid(credentials: Credentials): boolean {
    if ("token" in credentials) return isSame(credentials.token, deps.adminToken);
    if (!deps.login) return false;
    // Both compared always: which one was wrong takes the same time.
    const isUser = isSame(credentials.user, deps.login.user);
    const isPassword = isSame(credentials.password, deps.login.password);
    return isUser && isPassword;
  }

  return {
    /** The bearer token check of the admin API, throttled with failed sign-ins (also /metrics and /api/docs). */
    bearer,

    /** The sign-in methods this server accepts (no user name or secret: only whether one is set). */
    methods(): SignInMethod[] {
      return deps.login ? ["token", "password"] : ["token"];
    },

    /** POST /api/v1/session: checks the credentials (throttled per address) and sets both cookies. */
    async signIn(request: FastifyRequest, reply: FastifyReply, given: Credentials): Promise<void> {
      checkOrigin(request);
      const client = "token" in given ? tokenGuesses(request) : passwordGuesses(request);
      refuseWhileLocked(client, reply);
      if (!isValid(given)) {
        spendGuess(request, client, "token" in given ? "admin token" : "user and password");
        throw new AppError(
          "UNAUTHORIZED",
          "token" in given
            ? "Wrong admin token (TERN_ADMIN_TOKEN, or the admin-token file in the data directory)."
            : deps.login
              ? "Wrong user or password."
              : "Sign-in with a user and password is not configured (TERN_ADMIN_USER, TERN_ADMIN_PASSWORD); use the admin token.",
        );
      }
      const session = randomBytes(32).toString("base64url");
      const csrf = csrfOf(session);
      const now = deps.clock.now();
      // Signing in again from a signed-in browser replaces its session rather than adding one.
      const previous = cookie(request, SESSION_COOKIE);
      await deps.store.write(async (tx) => {
        if (previous) await tx.sessions.remove(stored(previous));
        await tx.sessions.create(stored(session), now, now + deps.ttlMs);
      });
      setCookies(request, reply, { session, csrf });
    },

    /** The signed-in session of this request, or null. */
    async current(request: FastifyRequest): Promise<{ expiresAt: number } | null> {
      const id = cookie(request, SESSION_COOKIE);
      if (!id) return null;
      return deps.store.sessions.find(stored(id), deps.clock.now());
    },

    /** DELETE /api/v1/session: ends the session (everywhere) and clears both cookies. */
    async signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const id = cookie(request, SESSION_COOKIE);
      // Like every unsafe signed-in request (the documented contract): a page of another site
      // cannot end the session. Without a session cookie there is nothing to protect.
      if (id) checkCsrf(request);
      else checkOrigin(request);
      if (id) await deps.store.write((tx) => tx.sessions.remove(stored(id)));
      setCookies(request, reply, null);
    },

    /** onRequest hook of /api/v1/*: the bearer token, or a session cookie (+ CSRF for unsafe methods). */
    async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (request.headers.authorization !== undefined) return bearer(request, reply);
      const id = cookie(request, SESSION_COOKIE);
      if (!id) {
        throw new AppError(
          "UNAUTHORIZED",
          "Not signed in: send `Authorization: Bearer <admin token>`, or sign in with POST /api/v1/session.",
        );
      }
      const session = await deps.store.sessions.find(stored(id), deps.clock.now());
      if (!session) {
        throw new AppError(
          "UNAUTHORIZED",
          "The session has expired, was signed out, or was signed in with an admin token or password that has changed since: sign in again.",
        );
      }
      if (!SAFE_METHODS.has(request.method)) checkCsrf(request);
    },
  };
}
export type Sessions = ReturnType<typeof createSessions>;
