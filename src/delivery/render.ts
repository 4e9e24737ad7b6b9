import type { Renderer } from './outbox/message.js';
import { defaultTemplates, type Lang, type MessageType, type TemplateSet } from './text/default-templates.js';
import { renderTemplate, type TemplateVars } from './text/render.js';
import { DEMO_SITE_VARS, type SiteVars } from './text/site-variables.js';
import { renderSms } from './text/sms-script.js';

/** The texts of a message type in one language, and which version they are (0: the shipped default). */
export interface Template {
  set: TemplateSet;
  version: number;
}

/** Where the texts of a message type come from: the shipped defaults, or the back office's versions. */
export type TemplateSource = (kind: MessageType, lang: Lang) => Template | undefined;

export const shippedTemplates: TemplateSource = (kind, lang) => {
  const set = defaultTemplates[kind]?.[lang];
  return set === undefined ? undefined : { set, version: 0 };
};

/** Template variables of a message: `payload.vars` when the payload keeps them apart, else its scalar fields. */
export function templateVars(payload: Record<string, unknown>): TemplateVars {
  const source = payload.vars && typeof payload.vars === 'object' ? (payload.vars as Record<string, unknown>) : payload;
  const vars: TemplateVars = {};
  for (const [k, v] of Object.entries(source)) if (typeof v === 'string' || typeof v === 'number') vars[k] = v;
  return vars;
}

/** Renders a message for a channel right before sending (and for a fallback channel). */
export function templateRenderer(templates: TemplateSource = shippedTemplates, siteVars: SiteVars = DEMO_SITE_VARS): Renderer {
  return (kind, channel, lang, payload) => {
    const t = templates(kind as MessageType, lang) ?? templates(kind as MessageType, 'bg');
    if (!t) throw new Error(`no template for message kind ${kind}`);
    const vars = { ...siteVars, ...templateVars(payload) };
    const { set, version } = t;
    if (channel === 'sms') return { body: renderSms(set, vars), templateVersion: version };
    if (channel === 'viber') return { body: renderTemplate(set.viber ?? set.sms, vars), templateVersion: version };
    if (channel === 'email') {
      return { subject: renderTemplate(set.emailSubject, vars), body: renderTemplate(set.emailText, vars), html: renderTemplate(set.emailHtml, vars, { html: true }), templateVersion: version };
    }
    return { subject: renderTemplate(set.emailSubject, vars), body: renderTemplate(set.letter, vars), templateVersion: version };
  };
}
