import { charLength, WhatsAppLimits as L } from "../../channels/whatsapp/limits.js";

/**
 * Request validation of the simulated `POST /{version}/{phone-number-id}/messages`, following the
 * limits in Meta's messages reference. Returns the first problem as Graph would word it, or null.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
 */

export interface ParsedSend {
  to: string;
  type: string;
  text: string;
  choices: Array<{ id: string; title: string }>;
  correlationId?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export class SendValidationError extends Error {}

function fail(message: string): never {
  throw new SendValidationError(message);
}

function checkText(value: unknown, field: string, max: number, required = true): string {
  const text = str(value);
  if (text === undefined || text.length === 0) {
    if (required) fail(`The parameter ${field} is required.`);
    return "";
  }
  if (charLength(text) > max) fail(`Param ${field} must be at most ${max} characters long.`);
  return text;
}

function checkUnique(values: string[], field: string): void {
  if (new Set(values).size !== values.length) fail(`Each ${field} must be unique.`);
}

function parseButtons(action: Json): ParsedSend["choices"] {
  const buttons = action.buttons;
  if (!Array.isArray(buttons) || buttons.length === 0)
    fail("The parameter interactive.action.buttons is required.");
  if (buttons.length > L.maxButtons)
    fail(`Param interactive.action.buttons must have at most ${L.maxButtons} items.`);
  const choices = buttons.map((button: unknown, i) => {
    const reply =
      isObject(button) && button.type === "reply" && isObject(button.reply) ? button.reply : undefined;
    if (!reply) fail(`Param interactive.action.buttons[${i}] must be {"type":"reply","reply":{id,title}}.`);
    return {
      id: checkText(reply.id, `interactive.action.buttons[${i}].reply.id`, L.buttonIdChars),
      title: checkText(reply.title, `interactive.action.buttons[${i}].reply.title`, L.buttonTitleChars),
    };
  });
  checkUnique(
    choices.map((c) => c.id),
    "button id",
  );
  checkUnique(
    choices.map((c) => c.title),
    "button title",
  );
  return choices;
}

function parseList(action: Json): ParsedSend["choices"] {
  checkText(action.button, "interactive.action.button", L.listButtonChars);
  const sections = action.sections;
  if (!Array.isArray(sections) || sections.length === 0)
    fail("The parameter interactive.action.sections is required.");
  if (sections.length > L.maxListSections)
    fail(`Param interactive.action.sections must have at most ${L.maxListSections} items.`);
  const choices: ParsedSend["choices"] = [];
  sections.forEach((section: unknown, s) => {
    if (!isObject(section) || !Array.isArray(section.rows) || section.rows.length === 0) {
      fail(`Param interactive.action.sections[${s}].rows is required.`);
    }
    checkText(
      section.title,
      `interactive.action.sections[${s}].title`,
      L.sectionTitleChars,
      sections.length > 1,
    );
    section.rows.forEach((row: unknown, r) => {
      const where = `interactive.action.sections[${s}].rows[${r}]`;
      if (!isObject(row)) fail(`Param ${where} must be an object.`);
      checkText(row.description, `${where}.description`, L.rowDescriptionChars, false);
      choices.push({
        id: checkText(row.id, `${where}.id`, L.rowIdChars),
        title: checkText(row.title, `${where}.title`, L.rowTitleChars),
      });
    });
  });
  if (choices.length > L.maxListRows) fail(`A list message can have at most ${L.maxListRows} rows in total.`);
  checkUnique(
    choices.map((c) => c.id),
    "row id",
  );
  return choices;
}

function parseInteractive(interactive: unknown): Pick<ParsedSend, "text" | "choices"> {
  if (!isObject(interactive)) fail("The parameter interactive is required.");
  const body = isObject(interactive.body) ? interactive.body.text : undefined;
  const text = checkText(body, "interactive.body.text", L.interactiveBodyChars);
  if (!isObject(interactive.action)) fail("The parameter interactive.action is required.");
  if (interactive.type === "button") return { text, choices: parseButtons(interactive.action) };
  if (interactive.type === "list") return { text, choices: parseList(interactive.action) };
  return fail(`Param interactive.type must be one of {button, list} in this simulator.`);
}

const MEDIA_TYPES = ["image", "video", "audio", "document", "sticker"];

export function validateSend(body: unknown): ParsedSend {
  if (!isObject(body)) fail("The request body must be a JSON object.");
  if (body.messaging_product === undefined) fail("The parameter messaging_product is required.");
  if (body.messaging_product !== "whatsapp") fail('Param messaging_product must be "whatsapp".');
  if (body.recipient_type !== undefined && body.recipient_type !== "individual") {
    fail('Param recipient_type must be "individual".');
  }
  const to = str(body.to) ?? str(body.recipient);
  if (!to) fail("The parameter to is required.");
  if (body.to !== undefined && !/^\+?\d{6,15}$/.test(to)) fail("Param to must be a phone number (digits).");
  const correlationId = body.biz_opaque_callback_data;
  if (correlationId !== undefined) {
    if (typeof correlationId !== "string") fail("Param biz_opaque_callback_data must be a string.");
    if (Buffer.byteLength(correlationId) > L.callbackDataBytes) {
      fail(`Param biz_opaque_callback_data must be at most ${L.callbackDataBytes} bytes.`);
    }
  }
  const type = str(body.type) ?? "text";
  const base = { to, type, ...(correlationId !== undefined ? { correlationId } : {}) };
  if (type === "text") {
    const text = isObject(body.text) ? body.text.body : undefined;
    return { ...base, text: checkText(text, "text.body", L.textBodyChars), choices: [] };
  }
  if (type === "interactive") return { ...base, ...parseInteractive(body.interactive) };
  if (type === "template") {
    const template = isObject(body.template) ? body.template : undefined;
    if (!template || !str(template.name)) fail("The parameter template.name is required.");
    return { ...base, text: `[template ${String(template.name)}]`, choices: [] };
  }
  if (MEDIA_TYPES.includes(type)) {
    const media = body[type];
    if (!isObject(media) || (!str(media.id) && !str(media.link)))
      fail(`The parameter ${type}.id or ${type}.link is required.`);
    return { ...base, text: str(media.caption) ?? "", choices: [] };
  }
  return fail(`Param type "${type}" is not supported by the simulator.`);
}
