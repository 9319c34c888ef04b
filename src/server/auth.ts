import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AppError } from "../core/app-error.js";

/** Bearer-token check for the admin API; compares digests so timing reveals nothing. */
export function createAdminAuth(adminToken: string) {
  const expected = createHash("sha256").update(adminToken).digest();
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = createHash("sha256")
      .update(match?.[1]?.trim() ?? "")
      .digest();
    if (!match || !timingSafeEqual(given, expected)) {
      throw new AppError(
        "UNAUTHORIZED",
        "Missing or wrong admin token: send `Authorization: Bearer <token>`",
      );
    }
  };
}
