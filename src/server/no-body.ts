import type { FastifyRequest } from "fastify";
import { AppError } from "../core/app-error.js";

/**
 * For an admin route that takes no body (`POST /runs/:id/end`, `DELETE /contacts/:id`): a body is
 * refused rather than ignored, as a body key a route does not know is, so a client that meant to
 * send something there (a reason, a filter) learns it was not applied. An empty body or `{}`
 * counts as none.
 */
export async function refuseBody(req: FastifyRequest): Promise<void> {
  const body = req.body as unknown;
  if (body === undefined || body === null || body === "") return;
  if (typeof body === "object" && !Array.isArray(body) && Object.keys(body).length === 0) return;
  throw new AppError("BAD_REQUEST", `${req.method} ${req.routeOptions.url} takes no request body`);
}
