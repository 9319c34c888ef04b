import { channelTypes } from "../channels/registry.js";
import { AppError } from "../core/app-error.js";
import type { DesignEnv } from "../flows/step.js";
import type { Integrations } from "./integrations.js";

/**
 * Design-time facts for flow checks, answered by the named connection's runtime: the same
 * runtime (and caches) the worker uses, so a describe fetched while validating is reused by runs
 * and validating twice costs no extra API call. Changing a connection drops its runtime
 * (`integrations.invalidate()`), and with it the cached facts.
 */
export function createDesignEnv(integrations: Pick<Integrations, "connection">): DesignEnv {
  return {
    async fact(name, fact, input) {
      const connection = await integrations.connection(name);
      const answer = connection.runtime.facts?.[fact];
      if (!answer)
        throw new AppError("CONNECTION_INVALID", `connection "${name}" cannot answer "${fact}" questions`);
      return answer(input, connection.config);
    },
  };
}

/**
 * For checks without a server (`tern flows validate` offline): every question goes unanswered;
 * only what this build knows is checked (the channel types a trigger names).
 */
export const offlineDesignEnv: DesignEnv = {
  fact: async () => {
    throw new Error("offline: run `tern flows validate --server` to check it against the org");
  },
  knownChannelTypes: Object.keys(channelTypes),
};
