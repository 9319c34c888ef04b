import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, type Sessions } from "../session.js";

export const SignInBody = z.union(
  [
    z.strictObject({
      token: z
        .string()
        .min(1)
        .max(1_024)
        .describe("The admin token (TERN_ADMIN_TOKEN or the data directory's file)"),
    }),
    z.strictObject({
      user: z.string().min(1).max(256).describe("TERN_ADMIN_USER"),
      password: z.string().min(1).max(1_024).describe("TERN_ADMIN_PASSWORD"),
    }),
  ],
  { error: 'expected {"token": "<admin token>"} or {"user": "<user>", "password": "<password>"}' },
);
const SignInMethods = z
  .array(z.enum(["token", "password"]))
  .describe(
    'How this server accepts a sign-in: `"token"` (always) and `"password"` when TERN_ADMIN_USER and ' +
      "TERN_ADMIN_PASSWORD are set. Names no user and no secret.",
  );
const NotSignedIn = z.object({
  error: z.object({
    code: z.literal("UNAUTHORIZED"),
    message: z.string(),
    details: z.object({ methods: SignInMethods }),
  }),
});
const SignedIn = z.object({ signedIn: z.literal(true) });
const CurrentSession = z.object({
  signedIn: z.literal(true),
  expiresAt: z.iso.datetime().describe("When the session ends; sign in again then"),
});

/**
 * Sign-in for browsers (src/server/session.ts). Public: POST is how one gets a session; GET and
 * DELETE read the cookie themselves.
 */
export const sessionRoutes =
  (sessions: Sessions): FastifyPluginAsync =>
  async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.post(
      "/session",
      {
        // Credentials are short: a larger body is refused before it is read whole.
        bodyLimit: 16 * 1024,
        schema: {
          operationId: "signIn",
          tags: ["session"],
          summary: "Sign in (browsers): trade the admin token, or user and password, for a session cookie",
          description:
            `Sends \`{ "token" }\`, or \`{ "user", "password" }\` when TERN_ADMIN_USER and TERN_ADMIN_PASSWORD are set. ` +
            `Sets \`${SESSION_COOKIE}\` (HttpOnly, SameSite=Strict; Secure when TERN_PUBLIC_URL is https) and ` +
            `\`${CSRF_COOKIE}\` (readable by scripts). With the session cookie every /api/v1 route works without ` +
            `the bearer token; POST, PUT, PATCH and DELETE then need the header \`${CSRF_HEADER}\` equal to the ` +
            `\`${CSRF_COOKIE}\` cookie (else 403 CSRF_FAILED). Wrong credentials: 401; too many failed attempts ` +
            "from one address: 429 with Retry-After.",
          security: [],
          body: SignInBody,
          response: { 200: SignedIn },
        },
      },
      async (req, reply) => {
        await sessions.signIn(req, reply, req.body);
        return { signedIn: true as const };
      },
    );
    app.get(
      "/session",
      {
        schema: {
          operationId: "getSession",
          tags: ["session"],
          summary: "The browser's session: 200 with its expiry when signed in, else 401",
          description:
            "Not signed in, the 401 answer's `error.details.methods` lists how this server accepts a sign-in " +
            '(`["token"]`, or `["token", "password"]` with TERN_ADMIN_USER and TERN_ADMIN_PASSWORD set), so a ' +
            "sign-in page can offer the right form.",
          security: [{ cookie: [] }],
          response: { 200: CurrentSession, 401: NotSignedIn },
        },
      },
      async (req) => {
        const session = await sessions.current(req);
        if (!session)
          throw new AppError("UNAUTHORIZED", "Not signed in (or the session expired): sign in again.", {
            details: { methods: sessions.methods() },
          });
        return { signedIn: true as const, expiresAt: new Date(session.expiresAt).toISOString() };
      },
    );
    app.delete(
      "/session",
      {
        schema: {
          operationId: "signOut",
          tags: ["session"],
          summary: "Sign out: ends the session on every Tern process and clears both cookies (204)",
          description: `Like every unsafe request with the session cookie, it needs the header \`${CSRF_HEADER}\` equal to the \`${CSRF_COOKIE}\` cookie (else 403 CSRF_FAILED).`,
          security: [{ cookie: [] }],
        },
      },
      async (req, reply) => {
        await sessions.signOut(req, reply);
        return reply.status(204).send();
      },
    );
  };
