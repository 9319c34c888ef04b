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
 * customer received and which Salesforce records the flow created. `GET /sandbox` says whether it
 * runs; once it has stepped aside every other route answers 409 SANDBOX_OFF.
 */
export const sandboxRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (base) => {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const tags = ["sandbox"];
    // Why it is off, for the status route and the 409: stored ownership says whether it stepped aside.
    const offReason = async () =>
      (await deps.store.sandbox.hasUserIntegrations())
        ? "a real channel or connection is configured, so the built-in sandbox stepped aside (it stays off while one exists)"
        : "the built-in sandbox is not running (TERN_SANDBOX=off, or configured integrations were removed)";
    const active = async (): Promise<BuiltInSandbox> => {
      const sandbox = deps.sandbox?.() ?? null;
      // 409, not 404: the route exists; the sandbox is in a state where it cannot serve it.
      if (!sandbox) throw new AppError("SANDBOX_OFF", `Sandbox is off: ${await offReason()}`);
      return sandbox;
    };
    const Customer = z.string().regex(/^\d{6,15}$/, "a WhatsApp number in international format, digits only");

    app.get("/sandbox", { schema: { tags } }, async () => {
      const sandbox = deps.sandbox?.() ?? null;
      if (!sandbox) return { isOn: false, reason: await offReason() };
      return {
        isOn: true,
        channelId: sandbox.channelId,
        connectionId: sandbox.connectionId,
        flowId: sandbox.flowId,
        salesforceUrl: sandbox.sandbox.sf.url,
        whatsappUrl: sandbox.sandbox.wa.url,
      };
    });
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
        const sandbox = await active();
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
        const sandbox = await active();
        return {
          received: sandbox.sandbox.wa.sent
            .filter((m) => m.to === req.params.from)
            .map((m) => ({ text: m.text, at: new Date(m.receivedAt).toISOString() })),
          leads: sandbox.sandbox.sf.records("Lead").filter((l) => l.Phone === `+${req.params.from}`),
        };
      },
    );
  };
