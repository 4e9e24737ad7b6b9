import type { FastifyInstance } from 'fastify';
import { html, sendHtml } from '../../http/html.js';
import type { PortalDeps } from '../deps.js';
import { layout } from './layout.js';
import { page, webOf } from './session.js';

const t = {
  title: { bg: 'Известия за неплатени сметки за ток', en: 'Notices of unpaid electricity bills' },
  lead: {
    bg: 'Получавайте SMS или имейл, когато сметка за електроенергия е просрочена, за да платите навреме и да избегнете прекъсване на захранването.',
    en: 'Get a text or an email when an electricity bill is overdue, so that you can pay in time and avoid being disconnected.',
  },
  need: { bg: 'Ще Ви трябват:', en: 'You will need:' },
  needNumbers: {
    bg: 'клиентският Ви номер и номерът на фактура от последните 12 месеца – и двата са на фактурата;',
    en: 'your customer number and the number of an invoice from the last 12 months – both are on the invoice;',
  },
  needContact: {
    bg: 'мобилен телефон или имейл, на които ще получите код за потвърждение.',
    en: 'a mobile phone or an email address, where we will send you a confirmation code.',
  },
  time: { bg: 'Отнема по-малко от минута.', en: 'It takes less than a minute.' },
  start: { bg: 'Абонирайте се', en: 'Subscribe' },
  already: { bg: 'Вече сте абонирани?', en: 'Already subscribed?' },
  manage: { bg: 'Променете телефона или имейла си, или се откажете от известията', en: 'Change your phone or email, or stop your notices' },
};

export function startPage(app: FastifyInstance, deps: PortalDeps): void {
  app.get('/', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const l = web.lang;
    const main = html`<h1>${t.title[l]}</h1>
<p class="lead">${t.lead[l]}</p>
<p>${t.need[l]}</p>
<ul class="list"><li>${t.needNumbers[l]}</li><li>${t.needContact[l]}</li></ul>
<p>${t.time[l]}</p>
<p><a class="button button--start" href="/register/customer-number">${t.start[l]}</a></p>
<h2>${t.already[l]}</h2>
<p><a href="/manage/customer-number">${t.manage[l]}</a></p>`;
    return sendHtml(reply, 200, layout(page(web), { title: t.title[l], main }));
  });
}
