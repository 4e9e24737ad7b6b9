import type { Renderer } from './outbox/message.js';
import { defaultTemplates, type Lang, type MessageType, type TemplateSet } from './text/default-templates.js';
import { renderTemplate, type TemplateVars } from './text/render.js';

/** Where the texts of a message type come from: the shipped defaults, or the back office's versions. */
export type TemplateSource = (kind: MessageType, lang: Lang) => TemplateSet | undefined;

export const shippedTemplates: TemplateSource = (kind, lang) => defaultTemplates[kind]?.[lang];

/** Template variables of a message: `payload.vars` when the payload keeps them apart, else its scalar fields. */
export function templateVars(payload: Record<string, unknown>): TemplateVars {
  const source = payload.vars && typeof payload.vars === 'object' ? (payload.vars as Record<string, unknown>) : payload;
  const vars: TemplateVars = {};
  for (const [k, v] of Object.entries(source)) if (typeof v === 'string' || typeof v === 'number') vars[k] = v;
  return vars;
}

/** Renders a message for a channel right before sending (and for a fallback channel). */
export function templateRenderer(templates: TemplateSource = shippedTemplates): Renderer {
  return (kind, channel, lang, payload) => {
    const set = templates(kind as MessageType, lang) ?? templates(kind as MessageType, 'bg');
    if (!set) throw new Error(`no template for message kind ${kind}`);
    const vars = templateVars(payload);
    if (channel === 'sms') return { body: renderTemplate(set.sms, vars) };
    if (channel === 'email') {
      return { subject: renderTemplate(set.emailSubject, vars), body: renderTemplate(set.emailText, vars), html: renderTemplate(set.emailHtml, vars, { html: true }) };
    }
    return { subject: renderTemplate(set.emailSubject, vars), body: renderTemplate(set.letter, vars) };
  };
}
