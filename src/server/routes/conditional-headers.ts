import type { FastifyReply } from "fastify";
import { z } from "zod";
import { IF_MATCH_SYNTAX, type IfMatch, isIfMatch, parseIfMatch } from "../../core/entity-tags.js";

/**
 * `If-Match` on the admin routes that change a flow, a channel or a connection (RFC 9110
 * §13.1.1): optional, so scripts and the CLI work as before; given, the change is made only while
 * the resource still has that ETag, else 412 PRECONDITION_FAILED and nothing changes. Loose: the
 * validated object replaces `request.headers`, which must keep the others.
 */
export const IfMatchHeaders = (resource: string) =>
  z.looseObject({
    "if-match": z
      .string()
      .refine(isIfMatch, IF_MATCH_SYNTAX)
      .optional()
      .describe(
        `The ETag of the ${resource} as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional`,
      ),
  });

/** The request's If-Match, parsed (its syntax was checked by the route schema). */
export const ifMatchOf = (headers: { "if-match"?: string | undefined }): IfMatch | undefined =>
  parseIfMatch(headers["if-match"]);

/** Sets the answer's ETag. */
export const withEtag = (reply: FastifyReply, etag: string): FastifyReply => reply.header("etag", etag);
