import { when } from "../when";
import type { SandboxStatus } from "./try-it-api";

/** How to have the sandbox again (README: it never comes back by itself once it stepped aside). */
const BACK = "To use it again, delete your channels and connections and restart Tern with TERN_SANDBOX=on.";

/** Why the sandbox is off, for people: the time in their own zone, and what brings it back. */
export function sandboxOffText(status: Extract<SandboxStatus, { isOn: false }>): string {
  const since = status.steppedAsideAt ? ` on ${when(status.steppedAsideAt)}` : "";
  switch (status.cause) {
    case "yours":
      return `it stepped aside${since} for a channel or connection of yours, and stays off. ${BACK}`;
    case "stepped-aside":
      return `it stepped aside${since} for a channel or connection of yours, and does not come back by itself. ${BACK}`;
    case "off":
      return "it is not running (TERN_SANDBOX=off).";
    default:
      // An older server names no cause: its own words.
      return `${status.reason}.`;
  }
}
