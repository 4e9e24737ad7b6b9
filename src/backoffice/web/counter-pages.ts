// Registration at the counter: register, change or cancel the customer's notice contacts, and set
// the customer's answers to the lifecycle messages (pre-due reminders, contacts confirmed).
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import { consent } from '../../portal/consent.js';
import type { ContactChannel } from '../../portal/flow-store.js';
import { activeContacts } from '../../portal/subscriptions.js';
import { preferencesOf } from '../../dunning/lifecycle/preferences.js';
import { cancelAtCounter, confirmContactsAtCounter, registerAtCounter, setPreDueAtCounter, type CounterRefusal } from '../counter.js';
import { loadCustomer } from '../customer-view.js';
import { saveSessionData } from '../sessions.js';
import { button, choices, input, postForm, select, type FieldError } from './components.js';
import { BASE, field, param, query, redirect, type StaffCtx } from './context.js';
import { fmtDateTime } from './format.js';
import { label } from './labels.js';
import { layout } from './layout.js';
import { messagePage, get, post, type BackofficeRoute } from './route.js';
import { sofiaDate } from '../../dunning/calendar/index.js';

const url = (n: string) => `${BASE}/customers/${n}`;
const isChannel = (v: string): v is ContactChannel => v === 'sms' || v === 'email';

const settings = (c: StaffCtx) => ({ publicUrl: c.deps.config.http.publicUrl, contactMaxCustomers: c.deps.config.portal.contactMaxCustomers, siteVars: c.deps.root.siteVars });
const staffOf = (c: StaffCtx) => ({ username: c.session.user.username, displayName: c.session.user.displayName, ip: c.ip });

async function flash(c: StaffCtx, text: string) {
  c.session.data.flash = text;
  await saveSessionData(c.deps.db, c.session);
}

/** The counter's part of the customer page: current contacts with change and cancel, and the lifecycle answers. */
export async function counterSection(c: StaffCtx, number: string): Promise<SafeHtml> {
  const live = await activeContacts(c.deps.db, number);
  const prefs = live.length ? await preferencesSection(c, number) : '';
  return html`<section aria-labelledby="counter-title" class="card">
<h2 id="counter-title">${c.t('Абонамент на гише', 'Counter registration')}</h2>
${live.length === 0 ? html`<p>${c.t('Клиентът няма активни контакти за известия.', 'The customer has no active notice contacts.')}</p>` : ''}
${live.map(
  (s) => html`<p>${label(c, 'channel', s.channel)}: <span class="mono">${s.address}</span>
<a href="${url(number)}/subscribe?channel=${s.channel}">${c.t('Смяна', 'Change')}<span class="visually-hidden"> ${label(c, 'channel', s.channel)}</span></a>
${postForm(c.session.csrf, `${url(number)}/subscriptions/cancel`, html`<input type="hidden" name="channel" value="${s.channel}">${button(c.t('Прекратяване', 'Cancel'), 'warning')}`, { inline: true, label: `${c.t('Прекратяване', 'Cancel')} ${label(c, 'channel', s.channel)}` })}</p>`,
)}
<p><a class="button button--secondary" href="${url(number)}/subscribe">${c.t('Нов контакт за известия', 'New notice contact')}</a></p>
${prefs}
</section>`;
}

// The same two answers as on the portal's manage page (src/portal/web/lifecycle-pages.ts), on the
// customer's active contacts; shown only while there is one.
async function preferencesSection(c: StaffCtx, number: string): Promise<SafeHtml> {
  const p = await preferencesOf(c.deps.db, number);
  return html`<h3>${c.t('Напомняне преди падежа', 'Reminder before the due date')}</h3>
<p>${c.t('Сега', 'Now')}: <strong>${p.preDueOptIn ? c.t('включено', 'on') : c.t('изключено', 'off')}</strong></p>
${postForm(
  c.session.csrf,
  `${url(number)}/preferences`,
  html`<input type="hidden" name="action" value="predue">${choices(c, {
    name: 'predue',
    legend: c.t('Желание на клиента', "The customer's wish"),
    type: 'checkbox',
    options: [{ value: 'yes', label: c.t('Клиентът иска напомняне няколко работни дни преди падежа на всяка сметка', 'The customer wants a reminder a few working days before each bill is due') }],
    checked: p.preDueOptIn ? ['yes'] : [],
  })}${button(c.t('Запазване', 'Save'), 'secondary')}`,
  { label: c.t('Напомняне преди падежа', 'Reminder before the due date') },
)}
<h3>${c.t('Актуални ли са контактите?', 'Are the contacts up to date?')}</h3>
<p>${c.t('Последно потвърдени от клиента', 'Last confirmed by the customer')}: ${p.confirmedAt ? fmtDateTime(p.confirmedAt) : c.t('не са потвърждавани', 'never')}</p>
${postForm(
  c.session.csrf,
  `${url(number)}/preferences`,
  html`<input type="hidden" name="action" value="confirm">${button(c.t('Клиентът потвърди, че контактите са негови и актуални', 'The customer confirmed the contacts are theirs and up to date'), 'secondary')}`,
  { label: c.t('Потвърждение на контактите', 'Confirming the contacts') },
)}`;
}

function refusalText(c: StaffCtx, r: CounterRefusal, channel: ContactChannel): FieldError {
  switch (r) {
    case 'contact_invalid':
      return {
        field: 'contact',
        text: channel === 'sms' ? c.t('Въведете български мобилен номер, напр. 0888 123 456.', 'Enter a Bulgarian mobile number, e.g. 0888 123 456.') : c.t('Въведете имейл адрес, напр. ivan@example.bg.', 'Enter an email address, e.g. ivan@example.bg.'),
      };
    case 'consent_required':
      return { field: 'consent', text: c.t('Клиентът трябва да се съгласи с условията.', 'The customer must agree to the terms.') };
    case 'same_contact':
      return { field: 'contact', text: c.t('Това вече е контактът на клиента.', 'This is already the customer’s contact.') };
    case 'contact_cap':
      return { field: 'contact', text: c.t(`Този контакт вече получава известия за ${c.deps.config.portal.contactMaxCustomers} клиентски номера.`, `This contact already gets notices for ${c.deps.config.portal.contactMaxCustomers} customer numbers.`) };
    case 'no_customer':
      return { field: 'contact', text: c.t('Няма такъв клиент.', 'No such customer.') };
  }
}

function subscribePage(c: StaffCtx, number: string, name: string, status: number, v: { channel: string; contact: string; lang: string }, errors: FieldError[] = []) {
  const main = html`<h1>${c.t('Контакт за известия', 'Notice contact')}: ${name} <span class="mono">${number}</span></h1>
${postForm(
  c.session.csrf,
  `${url(number)}/subscriptions`,
  html`${choices(c, {
    name: 'channel',
    legend: c.t('Канал', 'Channel'),
    type: 'radio',
    options: [
      { value: 'sms', label: c.t('SMS на мобилен телефон', 'SMS to a mobile phone') },
      { value: 'email', label: c.t('Имейл', 'Email') },
    ],
    checked: [v.channel],
    errors,
  })}
${input(c, { name: 'contact', label: c.t('Телефон или имейл', 'Phone or email'), value: v.contact, width: 'long', autocomplete: 'off', errors })}
${select(c, { name: 'lang', label: c.t('Език на известията', 'Language of the notices'), value: v.lang, options: [{ value: 'bg', label: 'Български' }, { value: 'en', label: 'English' }] })}
<div class="card"><h2>${c.t('Съгласие', 'Consent')} (${consent.version})</h2><p lang="bg">${consent.text.bg}</p>${c.lang === 'en' ? html`<p lang="en">${consent.text.en}</p>` : ''}</div>
${choices(c, { name: 'consent', legend: c.t('Съгласие на клиента', "The customer's consent"), type: 'checkbox', options: [{ value: consent.version, label: c.t('Прочетох условията на клиента и той/тя е съгласен/съгласна', 'I have read the terms to the customer, who agrees') }], checked: [], errors })}
${button(c.t('Записване', 'Save'))}`,
)}
<p><a href="${url(number)}">${c.t('Назад към клиента', 'Back to the customer')}</a></p>`;
  return sendHtml(c.reply, status, layout(c, { title: c.t('Контакт за известия', 'Notice contact'), main, errors }));
}

async function customerName(c: StaffCtx, number: string): Promise<string | null> {
  if (!/^[0-9]{4,16}$/.test(number)) return null;
  const v = await loadCustomer(c.deps.db, number, sofiaDate(c.deps.now()));
  return v?.customer.name ?? null;
}

const notFound = (c: StaffCtx) => messagePage(c, 404, c.t('Няма такъв клиент', 'No such customer'), c.t('Проверете клиентския номер.', 'Check the customer number.'));

export const counterRoutes: BackofficeRoute[] = [
  get(`${BASE}/customers/:number/subscribe`, 'agent', async (c) => {
    const number = param(c, 'number');
    const name = await customerName(c, number);
    if (name === null) return notFound(c);
    const ch = query(c, 'channel');
    return subscribePage(c, number, name, 200, { channel: isChannel(ch) ? ch : 'sms', contact: '', lang: 'bg' });
  }),

  post(`${BASE}/customers/:number/subscriptions`, 'agent', async (c) => {
    const number = param(c, 'number');
    const name = await customerName(c, number);
    if (name === null) return notFound(c);
    const v = { channel: field(c, 'channel'), contact: field(c, 'contact'), lang: field(c, 'lang') === 'en' ? 'en' : 'bg' };
    if (!isChannel(v.channel)) return subscribePage(c, number, name, 422, v, [{ field: 'channel', text: c.t('Изберете канал.', 'Choose a channel.') }]);
    const r = await registerAtCounter(c.deps.db, settings(c), {
      customer: number,
      channel: v.channel,
      contact: v.contact,
      lang: v.lang as Lang,
      consentVersion: field(c, 'consent') || null,
      staff: staffOf(c),
      now: c.deps.now(),
    });
    if (!r.ok) return subscribePage(c, number, name, 422, v, [refusalText(c, r.reason, v.channel)]);
    await flash(c, r.replaced ? c.t('Контактът е сменен. Изпратихме потвърждение на новия и известие на стария.', 'The contact has been changed. A confirmation went to the new one and a notice to the old one.') : c.t('Абонаментът е регистриран. Изпратихме потвърждение.', 'The subscription is registered. A confirmation has been sent.'));
    return redirect(c, url(number));
  }),

  post(`${BASE}/customers/:number/subscriptions/cancel`, 'agent', async (c) => {
    const number = param(c, 'number');
    if ((await customerName(c, number)) === null) return notFound(c);
    const channel = field(c, 'channel');
    const channels: ContactChannel[] = channel === 'all' ? ['sms', 'email'] : isChannel(channel) ? [channel] : [];
    const ended = await cancelAtCounter(c.deps.db, settings(c), { customer: number, channels, staff: staffOf(c), now: c.deps.now() });
    await flash(c, ended.length ? c.t('Известията до този контакт са спрени. Изпратихме потвърждение.', 'Notices to this contact have stopped. A confirmation has been sent.') : c.t('Нямаше активен контакт за прекратяване.', 'There was no active contact to cancel.'));
    return redirect(c, url(number));
  }),

  post(`${BASE}/customers/:number/preferences`, 'agent', async (c) => {
    const number = param(c, 'number');
    if ((await customerName(c, number)) === null) return notFound(c);
    const action = field(c, 'action');
    // Both apply to active contacts: without one there is nothing to set (and nothing is audited).
    if ((action === 'predue' || action === 'confirm') && (await activeContacts(c.deps.db, number)).length === 0) {
      await flash(c, c.t('Нищо не е запазено: клиентът няма активни контакти за известия.', 'Nothing was saved: the customer has no active notice contacts.'));
    } else if (action === 'predue') {
      const optIn = field(c, 'predue') === 'yes';
      await setPreDueAtCounter(c.deps.db, { customer: number, optIn, staff: staffOf(c) });
      await flash(c, optIn ? c.t('Напомнянето преди падежа е включено.', 'The reminder before the due date is on.') : c.t('Напомнянето преди падежа е изключено.', 'The reminder before the due date is off.'));
    } else if (action === 'confirm') {
      await confirmContactsAtCounter(c.deps.db, { customer: number, staff: staffOf(c), now: c.deps.now() });
      await flash(c, c.t('Контактите са потвърдени.', 'The contacts are confirmed.'));
    }
    return redirect(c, url(number));
  }),
];
