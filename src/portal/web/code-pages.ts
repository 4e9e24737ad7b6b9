// Entering a code (and asking for a new one), for both flows.
import type { FastifyInstance } from 'fastify';
import { maskAddress } from '../../contacts/address.js';
import { html, sendHtml } from '../../http/html.js';
import type { PortalDeps } from '../deps.js';
import type { Awaiting } from '../flow-store.js';
import { resend, verify, type Purpose } from '../flow.js';
import { PortalRefusal } from '../refusal.js';
import { banner, button, form, textField, type FieldError } from './components.js';
import { firstStep } from './identity-pages.js';
import { layout } from './layout.js';
import { expiredPage, field, flowContext, page, postedFlow, redirect, webOf, type Web } from './session.js';
import { fieldErrors, refusalText } from './texts.js';

const t = {
  question: { bg: 'Въведете кода, който изпратихме на ', en: 'Enter the code we sent to ' },
  title: { bg: 'Въведете кода', en: 'Enter the code' },
  hint: { bg: 'Кодът съдържа 6 цифри и е валиден 10 минути.', en: 'The code has 6 digits and is valid for 10 minutes.' },
  confirm: { bg: 'Потвърдете', en: 'Confirm' },
  notReceived: { bg: 'Не получихте кода?', en: 'Did not get the code?' },
  notReceivedBody: {
    bg: 'Проверете дали контактът е верен. Можете да поискате нов код: предишният спира да важи. До 3 кода на ден за един контакт.',
    en: 'Check the contact is right. You can ask for a new code: the previous one stops working. Up to 3 codes a day per contact.',
  },
  resend: { bg: 'Изпратете нов код', en: 'Send a new code' },
  resent: { bg: 'Изпратихме нов код. Предишният вече не важи.', en: 'We have sent a new code. The previous one no longer works.' },
  smsTo: { bg: 'телефон ', en: 'phone ' },
  emailTo: { bg: 'имейл ', en: 'email ' },
};

const codeStep = (purpose: Purpose) => `/${purpose}/code`;

/** Where a flow goes once every code is in. */
function finished(purpose: Purpose, item: Awaiting): string {
  if (purpose === 'register') return '/register/done';
  return item.action === 'login' ? '/manage' : `/manage?notice=${item.action === 'add' ? 'added' : 'changed'}`;
}

function codePage(web: Web, purpose: Purpose, item: Awaiting, errors: FieldError[], status: number, notice?: string) {
  const l = web.lang;
  const to = `${item.channel === 'sms' ? t.smsTo[l] : t.emailTo[l]}${maskAddress(item.address)}`;
  const verifyForm = form(
    web.flow?.data.csrf,
    codeStep(purpose),
    html`<input type="hidden" name="channel" value="${item.channel}">
${textField(l, { name: 'code', question: `${t.question[l]}${to}`, hint: t.hint[l], error: errors.find((e) => e.field === 'code')?.text, inputmode: 'numeric', autocomplete: 'one-time-code', code: true })}
${button(t.confirm[l])}`,
  );
  const resendForm = form(
    web.flow?.data.csrf,
    `${codeStep(purpose)}/resend`,
    html`<input type="hidden" name="channel" value="${item.channel}">
<h2>${t.notReceived[l]}</h2>
<p>${t.notReceivedBody[l]}</p>
${button(t.resend[l], 'secondary')}`,
  );
  const main = html`${banner(notice)}${verifyForm}${resendForm}`;
  return sendHtml(web.reply, status, layout(page(web), { title: t.title[l], main, errors, back: firstStep(purpose), sandboxHint: true }));
}

function channelOf(web: Web): 'sms' | 'email' | null {
  const c = field(web, 'channel');
  return c === 'sms' || c === 'email' ? c : null;
}

export function codePages(app: FastifyInstance, deps: PortalDeps): void {
  for (const purpose of ['register', 'manage'] as const) {
    app.get(codeStep(purpose), async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const item = web.flow?.data.purpose === purpose ? web.flow.data.awaiting?.[0] : undefined;
      if (!item) return redirect(web, firstStep(purpose));
      const resent = (req.query as Record<string, unknown>).notice === 'resent';
      return codePage(web, purpose, item, [], 200, resent ? t.resent[web.lang] : undefined);
    });

    app.post(codeStep(purpose), async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = postedFlow(web);
      if (!flow) return expiredPage(web, firstStep(purpose));
      const channel = channelOf(web);
      const item = flow.data.awaiting?.find((x) => x.channel === channel);
      if (!item || flow.data.purpose !== purpose) return redirect(web, firstStep(purpose));
      const code = field(web, 'code').replace(/\s/g, '');
      const invalid = code === '' ? fieldErrors.codeEmpty : /^[0-9]{6}$/.test(code) ? null : fieldErrors.codeFormat;
      if (invalid) return codePage(web, purpose, item, [{ field: 'code', text: invalid[web.lang] }], 422);
      try {
        const r = await verify(flowContext(web, flow), { channel: item.channel, code });
        return redirect(web, r.remaining.length > 0 ? codeStep(purpose) : finished(purpose, r.verified));
      } catch (e) {
        if (!(e instanceof PortalRefusal)) throw e;
        if (e.reason === 'wrong_step') return redirect(web, firstStep(purpose));
        return codePage(web, purpose, item, [{ field: 'code', text: refusalText(e.reason, web.lang, e.triesLeft) }], 422);
      }
    });

    app.post(`${codeStep(purpose)}/resend`, async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = postedFlow(web);
      if (!flow) return expiredPage(web, firstStep(purpose));
      const channel = channelOf(web);
      const item = flow.data.awaiting?.find((x) => x.channel === channel);
      if (!item || flow.data.purpose !== purpose) return redirect(web, firstStep(purpose));
      try {
        await resend(flowContext(web, flow), item.channel);
        return redirect(web, `${codeStep(purpose)}?notice=resent`);
      } catch (e) {
        if (!(e instanceof PortalRefusal)) throw e;
        if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
        return codePage(web, purpose, item, [{ field: 'code', text: refusalText(e.reason, web.lang, e.retryAfterSeconds) }], 429);
      }
    });
  }
}
