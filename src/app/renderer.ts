import type { Renderer } from '../delivery/outbox/message.js';
import { templateRenderer, type TemplateSource } from '../delivery/render.js';
import { noticeRenderer, type NoticePaymentOptions } from '../dunning/render.js';
import { isNoticeKind } from '../dunning/policy.js';
import { isLifecycleKind, lifecycleRenderer } from '../dunning/lifecycle/render.js';
import type { SiteVars } from '../delivery/text/site-variables.js';

export interface RendererOptions {
  publicUrl: string;
  /** The one-click unsubscribe link of an email subscription, shown in email notices. */
  unsubscribeUrl: (emailSubscriptionId: number) => string;
  /** The utility's own template variables (src/app/site-vars.ts); default: the demo utility's. */
  siteVars?: SiteVars;
  /** How notices show the customer number and say how to pay (config.payment); default: the demo utility's. */
  payment?: NoticePaymentOptions;
}

/**
 * Every kind's texts from one template source: overdue notices from the payload the daily run
 * writes, the rest from their template variables. The worker, the fallback after any failure, the
 * letters export, the daily run's SMS estimate and the editor's preview all render through this.
 */
export function messageRenderer(templates: TemplateSource, o: RendererOptions): Renderer {
  const notices = noticeRenderer(o.publicUrl, { templates, unsubscribeUrl: o.unsubscribeUrl, siteVars: o.siteVars, payment: o.payment });
  const others = templateRenderer(templates, o.siteVars);
  const lifecycle = lifecycleRenderer({ publicUrl: o.publicUrl, templates, unsubscribeUrl: o.unsubscribeUrl, siteVars: o.siteVars });
  return (kind, channel, lang, payload) => (isNoticeKind(kind) ? notices : isLifecycleKind(kind) ? lifecycle : others)(kind, channel, lang, payload);
}
