// Managing a subscription after the identity questions: a code to a current contact (or a new one
// when the old is lost), then change, add, remove, or stop all notices.
import type { FastifyInstance } from 'fastify';
import { maskAddress } from '../../contacts/address.js';
import { html, sendHtml } from '../../http/html.js';
import { consent } from '../consent.js';
import type { PortalDeps } from '../deps.js';
import { saveFlow, type ContactChannel, type Flow } from '../flow-store.js';
import { contactsOf, requestContactCodes, sendLoginCode, unsubscribe } from '../flow.js';
import { PortalRefusal } from '../refusal.js';
import { activeContacts } from '../subscriptions.js';
import { banner, button, checkbox, form, radios, type FieldError } from './components.js';
import { checkContact, contactField, contactFieldName, contactQuestion } from './contact-field.js';
import { firstStep } from './identity-pages.js';
import { layout } from './layout.js';
import { lifecyclePages, lifecycleSection } from './lifecycle-pages.js';
import { expiredPage, field, flowContext, page, postedFlow, redirect, webOf, type Web } from './session.js';
import { viberPages, viberSection } from './viber-pages.js';
import { common, fieldErrors, refusalText, type Bi } from './texts.js';

const t = {
  sendQ: { bg: 'Къде да изпратим код за вход?', en: 'Where should we send a sign-in code?' },
  sendHint: { bg: 'С кода потвърждавате, че абонаментът е Ваш.', en: 'The code confirms that the subscription is yours.' },
  codeTo: { sms: { bg: 'По SMS на ', en: 'By SMS to ' }, email: { bg: 'По имейл на ', en: 'By email to ' } },
  lost: {
    sms: { bg: 'Нямам достъп до този телефон – ще въведа нов номер', en: 'I no longer have this phone – I will enter a new number' },
    email: { bg: 'Нямам достъп до този имейл – ще въведа нов адрес', en: 'I no longer have this email – I will enter a new address' },
  },
  lostHint: {
    bg: 'Ако изберете нов контакт, ще уведомим и стария, че е променен.',
    en: 'If you choose a new contact, we will also tell the old one that it has changed.',
  },
  noneTitle: { bg: 'Нямате активен абонамент', en: 'You have no active subscription' },
  noneBody: { bg: 'За този клиентски номер няма активни известия.', en: 'There are no active notices for this customer number.' },
  subscribe: { bg: 'Абонирайте се', en: 'Subscribe' },
  dashTitle: { bg: 'Вашият абонамент', en: 'Your subscription' },
  customer: { bg: 'Клиентски номер', en: 'Customer number' },
  none: { bg: 'Няма', en: 'None' },
  change: { bg: 'Промяна', en: 'Change' },
  add: { bg: 'Добавяне', en: 'Add' },
  remove: { bg: 'Премахване', en: 'Remove' },
  stopTitle: { bg: 'Отказ от известията', en: 'Stop notices' },
  stopLink: { bg: 'Откажете се от всички известия', en: 'Stop all notices' },
  notice: {
    changed: { bg: 'Контактът е променен. Изпратихме потвърждение.', en: 'Your contact has been changed. We have sent a confirmation.' },
    added: { bg: 'Контактът е добавен. Изпратихме потвърждение.', en: 'Your contact has been added. We have sent a confirmation.' },
    removed: { bg: 'Известията на този контакт са спрени. Изпратихме потвърждение.', en: 'Notices to this contact have stopped. We have sent a confirmation.' },
  } as Record<string, Bi>,
  consentTitle: { bg: 'Съгласие за известия', en: 'Agree to get notices' },
  consentLabel: { bg: 'Съгласен/съгласна съм', en: 'I agree' },
  sendCode: { bg: 'Изпратете код', en: 'Send code' },
  removeQ: { bg: 'Да спрем ли известията до ', en: 'Stop notices to ' },
  removeYes: { bg: 'Да, спрете ги', en: 'Yes, stop them' },
  keep: { bg: 'Не, върнете ме назад', en: 'No, go back' },
  stopQ: { bg: 'Да спрем ли всички известия?', en: 'Stop all notices?' },
  stopBody: {
    bg: 'Няма да получавате известия за неплатени сметки по този клиентски номер. Можете да се абонирате отново по всяко време.',
    en: 'You will get no more notices about unpaid bills for this customer number. You can subscribe again at any time.',
  },
  stopYes: { bg: 'Да, спрете всички известия', en: 'Yes, stop all notices' },
  doneTitle: { bg: 'Известията са спрени', en: 'Your notices have stopped' },
  doneBody: { bg: 'Изпратихме потвърждение на всеки от контактите Ви.', en: 'We have sent a confirmation to each of your contacts.' },
  again: { bg: 'Абонирайте се отново', en: 'Subscribe again' },
};

type ContactAction = 'change' | 'add';
const start = firstStep('manage');
const signedIn = (web: Web): Flow | null => (web.flow?.data.purpose === 'manage' && web.flow.data.authenticated ? web.flow : null);
const identified = (web: Web): Flow | null => (web.flow?.data.purpose === 'manage' && web.flow.data.customer ? web.flow : null);
const actionOf = (web: Web): ContactAction | null => {
  const a = (web.req.query as Record<string, unknown>).action ?? field(web, 'action');
  return a === 'change' || a === 'add' ? a : null;
};
const channelParam = (web: Web): ContactChannel | null => {
  const c = (web.req.query as Record<string, unknown>).channel ?? field(web, 'channel');
  return c === 'sms' || c === 'email' ? c : null;
};

function refusalPage(web: Web, flow: Flow, e: unknown, render: (errors: FieldError[], status: number) => unknown, fieldName: string) {
  if (!(e instanceof PortalRefusal)) throw e;
  if (e.reason === 'wrong_step') return redirect(web, start);
  if (e.retryAfterSeconds !== undefined) web.reply.header('retry-after', String(e.retryAfterSeconds));
  return render([{ field: fieldName, text: refusalText(e.reason, web.lang, e.retryAfterSeconds) }], e.retryAfterSeconds === undefined ? 422 : 429);
}

export function managePages(app: FastifyInstance, deps: PortalDeps): void {
  lifecyclePages(app, deps, start);
  viberPages(app, deps, start);
  const sendCodePage = async (web: Web, flow: Flow, errors: FieldError[], status = 422) => {
    const l = web.lang;
    const active = await activeContacts(deps.db, flow.data.customer!);
    if (active.length === 0) {
      const main = html`<h1>${t.noneTitle[l]}</h1><p>${t.noneBody[l]}</p><p><a class="button" href="/register/channel">${t.subscribe[l]}</a></p>`;
      return sendHtml(web.reply, 200, layout(page(web), { title: t.noneTitle[l], main, back: '/manage/invoice-number' }));
    }
    const options = [
      ...active.map((c) => ({ value: `code:${c.channel}`, label: `${t.codeTo[c.channel][l]}${maskAddress(c.address)}` })),
      ...active.map((c) => ({ value: `lost:${c.channel}`, label: t.lost[c.channel][l] })),
    ];
    const main = form(flow.data.csrf, '/manage/send-code', html`${radios(l, { name: 'choice', question: t.sendQ[l], hint: `${t.sendHint[l]} ${t.lostHint[l]}`, options, error: errors[0]?.text })}${button(common.continue[l])}`);
    return sendHtml(web.reply, errors.length ? status : 200, layout(page(web), { title: t.sendQ[l], main, errors, back: '/manage/invoice-number' }));
  };

  app.get('/manage/send-code', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = identified(web);
    return flow ? sendCodePage(web, flow, []) : redirect(web, start);
  });

  app.post('/manage/send-code', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, start);
    if (!identified(web)) return redirect(web, start);
    const m = /^(code|lost):(sms|email)$/.exec(field(web, 'choice'));
    if (!m) return sendCodePage(web, flow, [{ field: 'choice', text: fieldErrors.choiceEmpty[web.lang] }]);
    const channel = m[2] as ContactChannel;
    if (m[1] === 'lost') return redirect(web, `/manage/${contactFieldName(channel)}?action=change`);
    try {
      await sendLoginCode(flowContext(web, flow), channel);
    } catch (e) {
      return refusalPage(web, flow, e, (errors, status) => sendCodePage(web, flow, errors, status), 'choice');
    }
    return redirect(web, '/manage/code');
  });

  app.get('/manage', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = signedIn(web);
    if (!flow) return redirect(web, start);
    const l = web.lang;
    const { customer, contacts } = await contactsOf(flowContext(web, flow));
    const notice = t.notice[String((req.query as Record<string, unknown>).notice)]?.[l];
    const row = (channel: ContactChannel) => {
      const c = contacts.find((x) => x.channel === channel);
      const name = common.channelName[channel][l];
      const path = `/manage/${contactFieldName(channel)}`;
      const hidden = html`<span class="visually-hidden"> ${name}</span>`;
      const actions = c
        ? html`<a href="${path}?action=change">${t.change[l]}${hidden}</a>${contacts.length > 1 ? html`<a href="/manage/remove?channel=${channel}">${t.remove[l]}${hidden}</a>` : ''}`
        : html`<a href="${path}?action=add">${t.add[l]}${hidden}</a>`;
      return html`<div><dt>${name}</dt><dd>${c ? maskAddress(c.address) : t.none[l]}</dd><dd class="actions">${actions}</dd></div>`;
    };
    const main = html`${banner(notice)}<h1>${t.dashTitle[l]}</h1>
<p>${t.customer[l]}: ${customer}</p>
<dl class="summary">${row('sms')}${row('email')}</dl>
${contacts.some((c) => c.channel === 'sms') ? await viberSection(web, flow) : ''}
${contacts.length ? await lifecycleSection(web, flow) : ''}
${contacts.length ? html`<h2>${t.stopTitle[l]}</h2><p><a href="/manage/unsubscribe">${t.stopLink[l]}</a></p>` : ''}`;
    return sendHtml(reply, 200, layout(page(web), { title: t.dashTitle[l], main }));
  });

  for (const channel of ['sms', 'email'] as const) {
    const path = `/manage/${contactFieldName(channel)}`;
    const contactPage = (web: Web, flow: Flow, action: ContactAction, value: string, errors: FieldError[], status = 422) => {
      const main = form(
        flow.data.csrf,
        path,
        html`<input type="hidden" name="action" value="${action}">${contactField(web.lang, channel, { value, ...(errors[0] ? { error: errors[0].text } : {}), isNew: action === 'change' })}${button(action === 'change' ? t.sendCode[web.lang] : common.continue[web.lang])}`,
      );
      const back = flow.data.authenticated ? '/manage' : '/manage/send-code';
      return sendHtml(web.reply, errors.length ? status : 200, layout(page(web), { title: contactQuestion(channel, web.lang, action === 'change'), main, errors, back }));
    };
    // change: signed in, or (a lost contact) only identified; add: signed in.
    const allowed = (web: Web, action: ContactAction | null) => (action === 'change' ? identified(web) : action === 'add' ? signedIn(web) : null);

    app.get(path, async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const action = actionOf(web);
      const flow = allowed(web, action);
      if (!flow || !action) return redirect(web, start);
      return contactPage(web, flow, action, action === 'add' ? (flow.data.contacts?.[channel] ?? '') : '', []);
    });

    app.post(path, async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = postedFlow(web);
      if (!flow) return expiredPage(web, start);
      const action = actionOf(web);
      if (!action || !allowed(web, action)) return redirect(web, start);
      const typed = field(web, contactFieldName(channel));
      const r = await checkContact(deps, web.lang, { channel, typed, customer: flow.data.customer! });
      if ('error' in r) return contactPage(web, flow, action, typed, [{ field: contactFieldName(channel), text: r.error }]);
      if (action === 'add') {
        flow.data.contacts = { ...flow.data.contacts, [channel]: r.address };
        await saveFlow(deps.db, flow, deps.now());
        return redirect(web, `/manage/consent?channel=${channel}`);
      }
      try {
        await requestContactCodes(flowContext(web, flow), { action: 'change', contacts: [{ channel, address: r.address }] });
      } catch (e) {
        return refusalPage(web, flow, e, (errors, status) => contactPage(web, flow, action, typed, errors, status), contactFieldName(channel));
      }
      return redirect(web, '/manage/code');
    });
  }

  const consentPage = (web: Web, flow: Flow, channel: ContactChannel, errors: FieldError[], status = 422) => {
    const l = web.lang;
    const main = html`<h1>${t.consentTitle[l]}</h1>
<p>${common.channelName[channel][l]}: ${flow.data.contacts?.[channel] ?? ''}</p>
<div class="consent"><p>${consent.text[l]}</p></div>
${form(flow.data.csrf, '/manage/consent', html`<input type="hidden" name="channel" value="${channel}">${checkbox(l, { name: 'consent', label: t.consentLabel[l], error: errors[0]?.text })}${button(t.sendCode[l])}`)}`;
    return sendHtml(web.reply, errors.length ? status : 200, layout(page(web), { title: t.consentTitle[l], main, errors, back: `/manage/${contactFieldName(channel)}?action=add` }));
  };

  app.get('/manage/consent', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = signedIn(web);
    const channel = channelParam(web);
    if (!flow || !channel || !flow.data.contacts?.[channel]) return redirect(web, start);
    return consentPage(web, flow, channel, []);
  });

  app.post('/manage/consent', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, start);
    const channel = channelParam(web);
    const address = channel ? flow.data.contacts?.[channel] : undefined;
    if (!signedIn(web) || !channel || !address) return redirect(web, start);
    if (field(web, 'consent') !== 'yes') return consentPage(web, flow, channel, [{ field: 'consent', text: fieldErrors.consentEmpty[web.lang] }]);
    try {
      await requestContactCodes(flowContext(web, flow), { action: 'add', contacts: [{ channel, address }], consentVersion: consent.version });
    } catch (e) {
      return refusalPage(web, flow, e, (errors, status) => consentPage(web, flow, channel, errors, status), 'consent');
    }
    return redirect(web, '/manage/code');
  });

  app.get('/manage/remove', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = signedIn(web);
    const channel = channelParam(web);
    if (!flow || !channel) return redirect(web, start);
    const current = (await contactsOf(flowContext(web, flow))).contacts.find((c) => c.channel === channel);
    if (!current) return redirect(web, '/manage');
    const l = web.lang;
    const title = `${t.removeQ[l]}${maskAddress(current.address)}?`;
    const main = form(flow.data.csrf, '/manage/remove', html`<h1>${title}</h1><input type="hidden" name="channel" value="${channel}">${button(t.removeYes[l], 'warning')}<p><a href="/manage">${t.keep[l]}</a></p>`);
    return sendHtml(reply, 200, layout(page(web), { title, main, back: '/manage' }));
  });

  app.post('/manage/remove', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, start);
    const channel = channelParam(web);
    if (!signedIn(web) || !channel) return redirect(web, start);
    await unsubscribe(flowContext(web, flow), [channel]);
    return redirect(web, '/manage?notice=removed');
  });

  app.get('/manage/unsubscribe', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = signedIn(web);
    if (!flow) return redirect(web, start);
    const l = web.lang;
    const main = form(flow.data.csrf, '/manage/unsubscribe', html`<h1>${t.stopQ[l]}</h1><p>${t.stopBody[l]}</p>${button(t.stopYes[l], 'warning')}<p><a href="/manage">${t.keep[l]}</a></p>`);
    return sendHtml(reply, 200, layout(page(web), { title: t.stopQ[l], main, back: '/manage' }));
  });

  app.post('/manage/unsubscribe', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, start);
    if (!signedIn(web)) return redirect(web, start);
    await unsubscribe(flowContext(web, flow), ['sms', 'email']);
    return redirect(web, '/manage/done');
  });

  app.get('/manage/done', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    if (!signedIn(web)) return redirect(web, start);
    const l = web.lang;
    const main = html`<div class="panel"><h1>${t.doneTitle[l]}</h1></div><p>${t.doneBody[l]}</p><p><a href="/register/customer-number">${t.again[l]}</a></p>`;
    return sendHtml(reply, 200, layout(page(web), { title: t.doneTitle[l], main }));
  });
}
