import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { BuiltInSandbox } from "../../sandbox/bootstrap.js";
import { buildTextWebhook, postWebhook } from "../../sandbox/whatsapp/index.js";
import type { AppDeps } from "../app.js";

/**
 * Try Tern without a phone or an org: play a WhatsApp customer against the built-in sandbox
 * (a signed webhook to the sandbox channel, the same path Meta's would take) and read what the
 * customer received and which Salesforce records the flow created.
 */
export const sandboxRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["sandbox"];
    const active = (): BuiltInSandbox => {
      const sandbox = deps.sandbox?.() ?? null;
      if (!sandbox) {
        throw new AppError(
          "NOT_FOUND",
          "The built-in sandbox is not running (a real channel or connection is configured, or TERN_SANDBOX=off)",
        );
      }
      return sandbox;
    };
    const Customer = z.string().regex(/^\d{6,15}$/, "a WhatsApp number in international format, digits only");

    app.post(
      "/sandbox/messages",
      {
        schema: {
          tags,
          body: z.object({
            from: Customer,
            text: z.string().min(1).max(4096),
            name: z.string().max(100).optional(),
          }),
        },
      },
      async (req, reply) => {
        const sandbox = active();
        const body = buildTextWebhook({
          from: req.body.from,
          text: req.body.text,
          name: req.body.name ?? "Sandbox customer",
        });
        const response = await postWebhook(
          `${deps.publicUrl.replace(/\/$/, "")}/webhooks/${sandbox.channelId}`,
          body,
          sandbox.sandbox.wa.config.appSecret,
        );
        const text = await response.text();
        if (!response.ok)
          throw new AppError("BAD_REQUEST", `The webhook was refused (${response.status}): ${text}`);
        return reply.status(202).send({ accepted: true });
      },
    );
    app.get(
      "/sandbox/conversations/:from",
      { schema: { tags, params: z.object({ from: Customer }) } },
      async (req) => {
        const sandbox = active();
        return {
          received: sandbox.sandbox.wa.sent
            .filter((m) => m.to === req.params.from)
            .map((m) => ({ text: m.text, at: new Date(m.receivedAt).toISOString() })),
          leads: sandbox.sandbox.sf.records("Lead").filter((l) => l.Phone === `+${req.params.from}`),
        };
      },
    );
  };
