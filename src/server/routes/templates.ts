import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyPluginAsync } from "fastify";
import { templatesDir } from "../../core/paths.js";

export interface FlowTemplate {
  /** The file name without `.json` (`whatsapp-lead`). */
  id: string;
  name: string;
  description: string;
  /** The flow file as shipped; POST it to /flows to create a flow from it. */
  definition: unknown;
}

/**
 * The shipped flow templates (`templates/*.json`) for the UI's gallery. Read once, on first use:
 * they change only with a release.
 */
export const templateRoutes = (): FastifyPluginAsync => async (app) => {
  let cached: Promise<FlowTemplate[]> | undefined;
  app.get(
    "/templates",
    {
      schema: {
        operationId: "listTemplates",
        summary: "The flow templates Tern ships",
        tags: ["flows"],
        description:
          "The flow templates Tern ships, each with its name, description and flow file (`definition`); create a flow from one by POSTing its definition to /flows",
      },
    },
    async () => {
      cached ??= loadTemplates().catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return { items: await cached };
    },
  );
};

async function loadTemplates(): Promise<FlowTemplate[]> {
  const dir = templatesDir();
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (file) => {
      const definition = JSON.parse(await readFile(path.join(dir, file), "utf8")) as Record<string, unknown>;
      return {
        id: file.slice(0, -".json".length),
        name: typeof definition.name === "string" ? definition.name : file,
        description: typeof definition.description === "string" ? definition.description : "",
        definition,
      };
    }),
  );
}
