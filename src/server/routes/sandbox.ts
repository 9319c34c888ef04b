import type { FastifyPluginAsync } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import type { BuiltInSandbox } from "../../sandbox/bootstrap.js";
import { ownsSandboxChannel, SANDBOX_OWNED_ELSEWHERE } from "../../sandbox/channel-owner.js";
import { choiceIdIn, choiceStyle } from "../../sandbox/choice-style.js";
import { createCustomerLog } from "../../sandbox/customer-log.js";
import { channelSimulators } from "../../sandbox/simulators.js";
import { startTry, TryBody } from "../../sandbox/try-run.js";
import { recordsOfRuns } from "../../services/contact-records.js";
import type { AppDeps } from "../app.js";
import { UNAVAILABLE_RETRY_AFTER, UNAVAILABLE_STATUS, unavailableBody } from "../unavailable.js";

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
    // `cause` and `steppedAsideAt` (ms) let a page say it in its own words and the reader's time zone.
    const offState = async () => {
      const at = await deps.store.sandbox.steppedAsideAt();
      if (await deps.store.sandbox.hasUserIntegrations())
        return {
          cause: "yours" as const,
          steppedAsideAt: at,
          reason:
            "a real channel or connection is configured, so the built-in sandbox stepped aside (it stays off while one exists)",
        };
      return at !== null
        ? {
            cause: "stepped-aside" as const,
            steppedAsideAt: at,
            reason: `the built-in sandbox stepped aside on ${new Date(at).toISOString()} for a channel or connection of yours, and does not come back by itself (your published flows would run against its emulated org); to use it again, delete your channels and connections and restart Tern with TERN_SANDBOX=on`,
          }
        : {
            cause: "off" as const,
            steppedAsideAt: null,
            reason: "the built-in sandbox is not running: TERN_SANDBOX=off",
          };
    };
    const offReason = async () => (await offState()).reason;
    const active = async (): Promise<BuiltInSandbox> => {
      const sandbox = deps.sandbox?.() ?? null;
      // 409, not 404: the route exists; the sandbox is in a state where it cannot serve it.
      if (!sandbox) throw new AppError("SANDBOX_OFF", `Sandbox is off: ${await offReason()}`);
      return sandbox;
    };
    const Customer = z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:@+=-]+$/, "a customer id on the channel: letters, digits and _ . : @ + = -");
    const ChannelType = z
      .string()
      .default("whatsapp")
      .describe(`Channel type to play the customer on: ${Object.keys(channelSimulators).join(", ")}`);
    const said = createCustomerLog();
    /** WhatsApp's customer is a phone number; the Lead's Phone says whose it is. */
    const isWhatsAppNumber = (type: string, from: string) => type !== "whatsapp" || /^\d{6,15}$/.test(from);

    app.get(
      "/sandbox",
      {
        schema: {
          operationId: "getSandbox",
          summary:
            "Whether the sandbox is on (else why not), and its channel, connection, flow and simulators",
          description:
            'Off: `{ isOn: false, reason, cause, steppedAsideAt }`: `cause` is `"yours"` (a channel or connection of yours exists), `"stepped-aside"` (it stepped aside for one, since deleted: only a restart with TERN_SANDBOX=on brings it back) or `"off"` (TERN_SANDBOX=off); `steppedAsideAt` is when it stepped aside (ms since epoch), or null',
          tags,
        },
      },
      async () => {
        const sandbox = deps.sandbox?.() ?? null;
        if (!sandbox) return { isOn: false, ...(await offState()) };
        return {
          isOn: true,
          channelId: sandbox.channelId,
          connectionId: sandbox.connectionId,
          flowId: sandbox.flowId,
          salesforceUrl: sandbox.sandbox.sf.url,
          whatsappUrl: sandbox.sandbox.wa.url,
          channelTypes: Object.keys(channelSimulators),
        };
      },
    );
    app.post(
      "/sandbox/messages",
      {
        schema: {
          operationId: "playSandboxCustomer",
          tags,
          summary: "Play the customer: a text, or a tap on a button Tern sent",
          // Strict: a misspelt `"chanel": "telegram"` played the customer on WhatsApp without a word.
          body: z
            .strictObject({
              channel: ChannelType,
              from: Customer,
              text: z.string().min(1).max(4096).optional().describe("What the customer types"),
              choice: z
                .string()
                .min(1)
                .max(200)
                .optional()
                .describe(
                  "Or: the title of a button (keyboard key, quick reply, list row) the customer taps in the last message that had it",
                ),
              name: z
                .string()
                .max(100)
                .optional()
                .describe(
                  "The customer's display name, kept for their later messages (default: the name given before, by Try it too, else Sandbox customer)",
                ),
            })
            .refine((b) => (b.text === undefined) !== (b.choice === undefined), {
              error: "give the customer's text or the choice they tap, not both",
            }),
        },
      },
      async (req, reply) => {
        const sandbox = await active();
        const { channel: type, from, choice } = req.body;
        // The customer keeps the name they were given (Try it's), as a provider's profile name stays.
        if (req.body.name !== undefined) said.name(type, from, req.body.name);
        const name = req.body.name ?? said.nameOf(type, from) ?? "Sandbox customer";
        const text = req.body.text ?? choice ?? "";
        if (!isWhatsAppNumber(type, from)) {
          throw new AppError("BAD_REQUEST", "from: a WhatsApp number in international format, digits only");
        }
        const { channelId, sim } = await sandbox.channelFor(type);
        // A customer can only tap what was sent to them: a tap on any other title is refused, with
        // the titles the newest message offered (a typed answer goes as `text`).
        if (choice !== undefined && !sim.sent.some((m) => m.to === from && m.choices.includes(choice))) {
          const offered = sim.sent.filter((m) => m.to === from && m.choices.length > 0).at(-1)?.choices ?? [];
          throw new AppError(
            "BAD_REQUEST",
            offered.length > 0
              ? `choice: no message to ${from} on ${type} offered "${choice.slice(0, 100)}"; the newest offered ${offered.map((c) => `"${c}"`).join(", ")} (send a typed answer as text)`
              : `choice: nothing sent to ${from} on ${type} offered choices to tap; send the answer as text`,
          );
        }
        // A tap carries the choice id of the button as sent (the newest message that had it).
        const tapped =
          choice === undefined
            ? undefined
            : {
                id:
                  sim.sent
                    .filter((m) => m.to === from && m.choices.includes(choice))
                    .map((m) => choiceIdIn(m.request.body, choice))
                    .findLast((id) => id !== undefined) ?? choice,
                title: choice,
              };
        // Another serve took the channel over (its keys): its webhook would answer 401 with the
        // channel's advice about Meta's console, and log a forged signature.
        if (!(await ownsSandboxChannel(deps.store, channelId, sim)))
          throw new AppError("CONFLICT", SANDBOX_OWNED_ELSEWHERE);
        // Wall-clock, as the simulators stamp what they receive: the panel orders both by it.
        const at = new Date().toISOString();
        const answer = await sim
          .say(
            `${deps.publicUrl.replace(/\/$/, "")}/webhooks/${channelId}`,
            { from, text, name, ...(tapped ? { choice: tapped } : {}) },
            // Signed for the public URL, as the provider would; posted to this process itself.
            { deliverTo: deps.localUrl || deps.publicUrl },
          )
          // Tern's own webhook did not answer (it is shutting down): as unavailable as a 503,
          // with the reason logged (nothing else says why the message was not stored).
          .catch((err: unknown) => {
            deps.logger.warn(
              { err, channel: type },
              "sandbox: the customer's message could not be posted to Tern's webhook",
            );
            return null;
          });
        if (answer === null || answer.status === UNAVAILABLE_STATUS) {
          // Not stored (the database is unavailable, or Tern is stopping): it can be sent again.
          return reply
            .status(UNAVAILABLE_STATUS)
            .header("retry-after", UNAVAILABLE_RETRY_AFTER)
            .send(unavailableBody("The message was not stored. Send it again shortly."));
        }
        if (answer.status < 200 || answer.status > 299)
          throw new AppError("BAD_REQUEST", `The webhook was refused (${answer.status}): ${answer.body}`);
        said.add(type, from, { text, at, ...(choice === undefined ? {} : { choice }) });
        return reply.status(202).send({ accepted: true, channel: type, channelId });
      },
    );
    app.post(
      "/sandbox/try",
      {
        schema: {
          operationId: "trySandboxFlow",
          tags,
          summary: "Try a flow's version (a draft too) as a customer the sandbox plays",
          description:
            "Starts a run of `version` (default the latest, published or not) for the customer `from` on the " +
            "sandbox's own channel of type `channel`, ending a run already active in that conversation (a handed-off one too). " +
            "Answer as the customer with POST /sandbox/messages; read what they received with " +
            "GET /sandbox/conversations/:from?channel= and the run with GET /runs/:runId. Only sandbox " +
            "channels are used, so a real customer never gets a message. 404 FLOW_NOT_FOUND / " +
            "FLOW_VERSION_NOT_FOUND; 409 SANDBOX_OFF when the sandbox is not running.",
          body: TryBody,
          response: {
            202: z.object({
              runId: z.string(),
              flowId: z.string(),
              flowVersion: z.number(),
              channel: z.string().describe("The channel type the customer is on"),
              from: z.string().describe("The customer's id on it (for /sandbox/messages and /conversations)"),
            }),
          },
        },
      },
      async (req, reply) => {
        const sandbox = await active();
        const started = await startTry(
          {
            store: deps.store,
            flows: deps.flows,
            clock: deps.clock,
            publicUrl: deps.publicUrl,
            notify: (keys) => deps.worker.notify(keys),
          },
          sandbox,
          req.body,
        );
        if (req.body.name !== undefined) said.name(started.channel, started.from, req.body.name);
        return reply.status(202).send(started);
      },
    );
    app.get(
      "/sandbox/conversations/:from",
      {
        schema: {
          operationId: "getSandboxConversation",
          tags,
          summary: "What a sandbox customer received and said, and the records made for them",
          description:
            "`received`: what Tern sent the customer, oldest first, with `choices` (button titles) and " +
            "`choiceStyle` (how the channel shows them: buttons, list, inline_keyboard, keyboard, quick_replies; " +
            "SMS has none: the choices are numbered lines of the text), among the newest 10,000 messages the " +
            "channel's simulator keeps. `said`: what the customer sent through " +
            "POST /sandbox/messages (kept in memory: the newest 200 of each of the 1,000 most recent customers). " +
            "`leads`: the Leads its runs made, and any Lead with the customer's number. `records`: every record " +
            "its runs made or found, of any object (`object`: Lead, Case…), with the fields the emulated org holds " +
            "(its newest 10,000 records). Times are ISO-8601 wall-clock.",
          params: z.object({ from: Customer }),
          querystring: z.strictObject({ channel: ChannelType }),
        },
      },
      async (req) => {
        const sandbox = await active();
        const type = req.query.channel;
        const { channelId, sim } = await sandbox.channelFor(type);
        const from = req.params.from;
        // The Leads this conversation's runs made (on channels without a phone number too), and
        // any Lead carrying the customer's number.
        const contact = await deps.store.contacts.onChannel(channelId, sim.addressOf?.(from) ?? from);
        const linked = contact ? await recordsOfRuns(deps.store, { contactId: contact.id, channelId }) : [];
        const made = new Set(linked.map((r) => r.id));
        const { sf } = sandbox.sandbox;
        return {
          channel: type,
          received: sim.sent
            .filter((m) => m.to === from)
            .map((m) => ({
              text: m.text,
              ...(m.choices.length > 0
                ? { choices: m.choices, choiceStyle: choiceStyle(type, m.request.body) }
                : {}),
              at: new Date(m.receivedAt).toISOString(),
            })),
          said: said.of(type, from),
          leads: sf.records("Lead", (l) => made.has(String(l.Id)) || l.Phone === `+${from}`),
          // Every record the conversation's runs made or found, of any object (a Case too), as
          // the emulated org holds it now.
          records: [...new Set(linked.flatMap((r) => (r.object ? [r.object] : [])))].flatMap((object) =>
            sf.records(object, (r) => made.has(String(r.Id))).map((fields) => ({ object, ...fields })),
          ),
        };
      },
    );
  };
