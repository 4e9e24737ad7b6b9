// Registration after the identity questions: channel, phone and/or email, consent, then the codes.
import type { FastifyInstance } from 'fastify';
import { maskAddress } from '../../contacts/address.js';
import { html, sendHtml } from '../../http/html.js';
import { consent } from '../consent.js';
import type { PortalDeps } from '../deps.js';
import { saveFlow, type ContactChannel, type Flow } from '../flow-store.js';
import { requestContactCodes } from '../flow.js';
import { PortalRefusal } from '../refusal.js';
import { button, checkbox, form, radios, type FieldError } from './components.js';
import { checkContact, contactField, contactFieldName, contactQuestion } from './contact-field.js';
import { firstStep } from './identity-pages.js';
import { layout } from './layout.js';
import { expiredPage, field, flowContext, page, postedFlow, redirect, webOf, type Web } from './session.js';
import { common, fieldErrors, refusalText } from './texts.js';

const t = {
  channelQ: { bg: 'Как искате да получавате известия?', en: 'How do you want to get notices?' },
  channelHint: { bg: 'Ще Ви пишем само когато сметка е просрочена.', en: 'We only contact you when a bill is overdue.' },
  sms: { bg: 'SMS на мобилен телефон', en: 'SMS to a mobile phone' },
  email: { bg: 'Имейл', en: 'Email' },
  both: { bg: 'SMS и имейл', en: 'Both SMS and email' },
  consentTitle: { bg: 'Проверете и потвърдете', en: 'Check and confirm' },
  change: { bg: 'Промяна', en: 'Change' },
  consentLabel: { bg: 'Съгласен/съгласна съм', en: 'I agree' },
  sendCodes: { bg: 'Изпратете код', en: 'Send code' },
  consentNote: {
    bg: 'Ще изпратим 6-цифрен код на всеки контакт. Известията започват, след като въведете кода.',
    en: 'We will send a 6-digit code to each contact. Notices start once you enter the code.',
  },
  doneTitle: { bg: 'Абонаментът е активен', en: 'You are subscribed' },
  doneBody: { bg: 'Ще Ви изпращаме известие, когато сметка за електроенергия е просрочена, на:', en: 'We will send you a notice when an electricity bill is overdue, to:' },
  doneConfirm: { bg: 'Изпратихме Ви и потвърждение.', en: 'We have also sent you a confirmation.' },
  manage: { bg: 'Промяна или отказ от известията', en: 'Change or stop your notices' },
};

const steps = (flow: Flow): string[] => {
  const chosen = flow.data.channels ?? [];
  return ['/register/channel', ...chosen.map((c) => `/register/${contactFieldName(c)}`), '/register/consent'];
};
const nextOf = (flow: Flow, path: string) => steps(flow)[steps(flow).indexOf(path) + 1] ?? '/register/consent';
const backOf = (flow: Flow, path: string) => steps(flow)[steps(flow).indexOf(path) - 1] ?? '/register/invoice-number';

/** A registration flow whose customer is proven (a manage flow without contacts may register too). */
const proven = (web: Web): Flow | null => (web.flow?.data.customer ? web.flow : null);

function channelPage(web: Web, value: string, errors: FieldError[]) {
  const l = web.lang;
  const main = form(
    web.flow?.data.csrf,
    '/register/channel',
    html`${radios(l, { name: 'channel', question: t.channelQ[l], hint: t.channelHint[l], value, error: errors[0]?.text, options: [{ value: 'sms', label: t.sms[l] }, { value: 'email', label: t.email[l] }, { value: 'both', label: t.both[l] }] })}
${button(common.continue[l])}`,
  );
  return sendHtml(web.reply, errors.length ? 422 : 200, layout(page(web), { title: t.channelQ[l], main, errors, back: '/register/invoice-number' }));
}

function contactPage(web: Web, flow: Flow, channel: ContactChannel, value: string, error?: string) {
  const path = `/register/${contactFieldName(channel)}`;
  const main = form(flow.data.csrf, path, html`${contactField(web.lang, channel, { value, ...(error === undefined ? {} : { error }), isNew: false })}${button(common.continue[web.lang])}`);
  const errors = error === undefined ? [] : [{ field: contactFieldName(channel), text: error }];
  return sendHtml(web.reply, error === undefined ? 200 : 422, layout(page(web), { title: contactQuestion(channel, web.lang, false), main, errors, back: backOf(flow, path) }));
}

function consentPage(web: Web, flow: Flow, errors: FieldError[], status = 422) {
  const l = web.lang;
  const contacts = flow.data.channels?.map((c) => ({ channel: c, address: flow.data.contacts?.[c] ?? '' })) ?? [];
  const main = html`<h1>${t.consentTitle[l]}</h1>
<dl class="summary" id="contacts">${contacts.map(
    (c) => html`<div><dt>${common.channelName[c.channel][l]}</dt><dd>${c.address}</dd><dd class="actions"><a href="/register/${contactFieldName(c.channel)}">${t.change[l]}<span class="visually-hidden"> ${common.channelName[c.channel][l]}</span></a></dd></div>`,
  )}</dl>
<div class="consent"><p>${consent.text[l]}</p></div>
${form(flow.data.csrf, '/register/consent', html`${checkbox(l, { name: 'consent', label: t.consentLabel[l], error: errors.find((e) => e.field === 'consent')?.text })}
<p>${t.consentNote[l]}</p>
${button(t.sendCodes[l])}`)}`;
  return sendHtml(web.reply, errors.length ? status : 200, layout(page(web), { title: t.consentTitle[l], main, errors, back: backOf(flow, '/register/consent') }));
}

export function registerPages(app: FastifyInstance, deps: PortalDeps): void {
  app.get('/register/channel', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = proven(web);
    if (!flow) return redirect(web, firstStep('register'));
    const chosen = flow.data.channels ?? [];
    return channelPage(web, chosen.length === 2 ? 'both' : (chosen[0] ?? ''), []);
  });

  app.post('/register/channel', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, firstStep('register'));
    if (!flow.data.customer) return redirect(web, firstStep('register'));
    const v = field(web, 'channel');
    const channels: ContactChannel[] | null = v === 'both' ? ['sms', 'email'] : v === 'sms' || v === 'email' ? [v] : null;
    if (!channels) return channelPage(web, '', [{ field: 'channel', text: fieldErrors.channelEmpty[web.lang] }]);
    flow.data.purpose = 'register';
    flow.data.channels = channels;
    flow.data.awaiting = [];
    flow.data.completed = [];
    await saveFlow(deps.db, flow, deps.now());
    return redirect(web, nextOf(flow, '/register/channel'));
  });

  for (const channel of ['sms', 'email'] as const) {
    const path = `/register/${contactFieldName(channel)}`;
    app.get(path, async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = proven(web);
      if (!flow || !flow.data.channels?.includes(channel)) return redirect(web, firstStep('register'));
      return contactPage(web, flow, channel, flow.data.contacts?.[channel] ?? '');
    });

    app.post(path, async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = postedFlow(web);
      if (!flow) return expiredPage(web, firstStep('register'));
      if (!flow.data.customer || !flow.data.channels?.includes(channel)) return redirect(web, firstStep('register'));
      const typed = field(web, contactFieldName(channel));
      const r = await checkContact(deps, web.lang, { channel, typed, customer: flow.data.customer });
      if ('error' in r) return contactPage(web, flow, channel, typed, r.error);
      flow.data.contacts = { ...flow.data.contacts, [channel]: r.address };
      await saveFlow(deps.db, flow, deps.now());
      return redirect(web, nextOf(flow, path));
    });
  }

  app.get('/register/consent', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = proven(web);
    if (!flow || !flow.data.channels?.length || flow.data.channels.some((c) => !flow.data.contacts?.[c])) return redirect(web, firstStep('register'));
    return consentPage(web, flow, []);
  });

  app.post('/register/consent', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, firstStep('register'));
    const contacts = (flow.data.channels ?? []).map((channel) => ({ channel, address: flow.data.contacts?.[channel] ?? '' }));
    if (!flow.data.customer || contacts.length === 0 || contacts.some((c) => c.address === '')) return redirect(web, firstStep('register'));
    if (field(web, 'consent') !== 'yes') return consentPage(web, flow, [{ field: 'consent', text: fieldErrors.consentEmpty[web.lang] }]);
    try {
      await requestContactCodes(flowContext(web, flow), { action: 'register', contacts, consentVersion: consent.version });
    } catch (e) {
      if (!(e instanceof PortalRefusal)) throw e;
      if (e.reason === 'wrong_step') return redirect(web, firstStep('register'));
      if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
      return consentPage(web, flow, [{ field: 'contacts', text: refusalText(e.reason, web.lang, e.retryAfterSeconds) }], e.retryAfterSeconds === undefined ? 422 : 429);
    }
    return redirect(web, '/register/code');
  });

  app.get('/register/done', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = proven(web);
    const completed = flow?.data.completed ?? [];
    if (!flow || flow.data.purpose !== 'register' || completed.length === 0 || (flow.data.awaiting?.length ?? 0) > 0) return redirect(web, firstStep('register'));
    const l = web.lang;
    const main = html`<div class="panel"><h1>${t.doneTitle[l]}</h1></div>
<p>${t.doneBody[l]}</p>
<ul class="list">${completed.map((c) => html`<li>${common.channelName[c.channel][l]}: ${maskAddress(c.address)}</li>`)}</ul>
<p>${t.doneConfirm[l]}</p>
<p><a href="/manage/customer-number">${t.manage[l]}</a></p>`;
    return sendHtml(reply, 200, layout(page(web), { title: t.doneTitle[l], main }));
  });
}
