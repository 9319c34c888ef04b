import { AppError } from "../core/app-error.js";
import { entityTag, type IfMatch, ifMatchHolds, weakOnlyTag, weakTagRefused } from "../core/entity-tags.js";

/**
 * A flow's ETag names its latest version (`"v7"`): a save based on version 7 may go ahead while 7
 * is still the latest. Checked inside the write, under the flow row's lock, so two saves based on
 * the same version cannot both be stored (README, "Edits that do not overwrite each other").
 */
export const flowEtag = (latestVersion: number): string => entityTag(`v${latestVersion}`);

const given = (condition: IfMatch) => (condition.any ? "*" : condition.tags.join(", "));

/** Throws 412 PRECONDITION_FAILED unless `condition` (absent: no condition) holds for the flow. */
export function assertFlowMatches(
  id: string,
  condition: IfMatch | undefined,
  latestVersion: number | null,
): void {
  if (!condition) return;
  const current = latestVersion === null ? null : flowEtag(latestVersion);
  if (ifMatchHolds(condition, current)) return;
  const details = { currentVersion: latestVersion, etag: current };
  if (latestVersion === null)
    throw new AppError(
      "PRECONDITION_FAILED",
      `No flow with id "${id}" exists, but If-Match: ${given(condition)} expected one: nothing was changed. Send it without If-Match to create the flow.`,
      { details },
    );
  const weak = weakOnlyTag(condition, current);
  if (weak && current) throw new AppError("PRECONDITION_FAILED", weakTagRefused(weak, current), { details });
  throw new AppError(
    "PRECONDITION_FAILED",
    `Flow "${id}" is at version ${latestVersion} (ETag ${current}), but this change was based on ${basedOn(condition)} (If-Match: ${given(condition)}): version ${latestVersion} was saved since. Nothing was changed. Reload the flow to see version ${latestVersion}, or send the change again with If-Match: ${current} (or without If-Match) to go ahead anyway.`,
    { details },
  );
}

/** "version 6" when the tag names one, else "another version". */
function basedOn(condition: IfMatch): string {
  const versions = condition.any ? [] : condition.tags.map((t) => /^"v(\d+)"$/.exec(t)?.[1]);
  return versions.length === 1 && versions[0] ? `version ${versions[0]}` : "another version";
}
