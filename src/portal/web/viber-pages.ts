// The manage page's Viber choice: notices to the phone may come by Viber (with SMS when the phone
// has no Viber); a customer who does not want Viber ticks the box and gets SMS only.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/record.js';
import type { DB } from '../../db/schema.js';
import { html, type SafeHtml } from '../../http/html.js';
import type { PortalDeps } from '../deps.js';
import type { Flow } from '../flow-store.js';
import { banner, button, form } from './components.js';
import { expiredPage, field, postedFlow, redirect, webOf, type Web } from './session.js';

const t = {
  title: { bg: 'Известия по Viber', en: 'Notices by Viber' },
  body: {
    bg: 'Известията до телефона Ви може да идват по Viber. Ако телефонът няма Viber или съобщението не стигне до Вас, изпращаме SMS.',
    en: 'Notices to your phone may come by Viber. If the phone has no Viber or the message does not reach you, we send an SMS.',
  },
  optOut: { bg: 'Не искам известия по Viber – само по SMS', en: 'I do not want notices by Viber – SMS only' },
  save: { bg: 'Запазване', en: 'Save' },
  saved: { bg: 'Изборът Ви за Viber е запазен.', en: 'Your Viber choice has been saved.' },
};

/** The customer's active phone subscription opts out of Viber (or not); audited. */
export async function setViberOptOut(db: Kysely<DB>, customer: string, optOut: boolean, actor: string): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('subscriptions')
      .set({ viber_opt_out: optOut, updated_at: new Date() })
      .where('customer_number', '=', customer)
      .where('channel', '=', 'sms')
      .where('status', '=', 'active')
      .executeTakeFirst();
    await recordAudit(tx, { actor, action: 'subscription.viber_opt_out', subject: `customer:${customer}`, details: { opt_out: optOut } });
    return Number(r.numUpdatedRows);
  });
}

/** The section on /manage for a customer with an active phone subscription. */
export async function viberSection(web: Web, flow: Flow): Promise<SafeHtml> {
  const l = web.lang;
  const sub = await web.deps.db
    .selectFrom('subscriptions')
    .select('viber_opt_out')
    .where('customer_number', '=', flow.data.customer!)
    .where('channel', '=', 'sms')
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!sub) return html``;
  const shown = (web.req.query as Record<string, unknown>).notice === 'viber' ? t.saved[l] : undefined;
  const checked = sub.viber_opt_out ? html` checked` : html``;
  return html`${banner(shown)}<h2>${t.title[l]}</h2><p>${t.body[l]}</p>
${form(flow.data.csrf, '/manage/viber', html`<div class="field"><div class="choice"><input id="viber_opt_out" name="viber_opt_out" type="checkbox" value="yes"${checked}><label for="viber_opt_out">${t.optOut[l]}</label></div></div>${button(t.save[l], 'secondary')}`)}`;
}

export function viberPages(app: FastifyInstance, deps: PortalDeps, start: string): void {
  app.post('/manage/viber', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, start);
    if (!(flow.data.purpose === 'manage' && flow.data.authenticated && flow.data.customer)) return redirect(web, start);
    await setViberOptOut(deps.db, flow.data.customer, field(web, 'viber_opt_out') === 'yes', 'online:web');
    return redirect(web, '/manage?notice=viber');
  });
}
