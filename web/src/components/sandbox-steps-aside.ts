import { sandboxApi } from "./try-it/try-it-api";

/**
 * Before the first channel or connection of the user's own: the built-in sandbox steps aside for
 * it (README), which removes what the sandbox made. Says so and asks; true when the sandbox is off
 * already, or the user goes on.
 */
export async function confirmSandboxStepsAside(noun: "channel" | "connection"): Promise<boolean> {
  const status = await sandboxApi.status().catch(() => null);
  if (!status?.isOn) return true;
  return window.confirm(
    `Adding your own ${noun} retires the built-in sandbox: its WhatsApp channel, its Salesforce connection and its emulators are removed, and its flow is unpublished (kept as a draft). Flows that use the "salesforce" connection need one of yours by that name. Try it then stays off, also once yours are deleted: only a restart of Tern with TERN_SANDBOX=on, while no channel or connection of yours exists, brings the sandbox back.\n\nAdd the ${noun}?`,
  );
}
