// The first two questions of both flows: the customer number, then the number of an invoice.
import type { FastifyInstance } from 'fastify';
import { html, sendHtml } from '../../http/html.js';
import type { PortalDeps } from '../deps.js';
import { saveFlow } from '../flow-store.js';
import { identify, type Purpose } from '../flow.js';
import { customerNumberFormat, invoiceNumberFormat } from '../identity.js';
import { PortalRefusal } from '../refusal.js';
import { button, form, textField, type FieldError } from './components.js';
import { layout } from './layout.js';
import { ensureFlow, expiredPage, field, flowContext, page, postedFlow, redirect, webOf, type Web } from './session.js';
import { common, fieldErrors, refusalText } from './texts.js';

const t = {
  customerQ: { bg: 'Какъв е клиентският Ви номер?', en: 'What is your customer number?' },
  customerHint: {
    bg: 'Клиентският номер е отпечатан на фактурата Ви за електроенергия. Съдържа от 4 до 16 цифри.',
    en: 'Your customer number is printed on your electricity bill. It has 4 to 16 digits.',
  },
  invoiceQ: { bg: 'Какъв е номерът на една от фактурите Ви?', en: 'What is the number of one of your invoices?' },
  invoiceHint: {
    bg: 'Фактура за този клиентски номер, издадена през последните 12 месеца. Номерът е в горната част на фактурата.',
    en: 'An invoice for this customer number issued in the last 12 months. The number is at the top of the invoice.',
  },
};

export const firstStep = (purpose: Purpose) => `/${purpose}/customer-number`;
const invoiceStep = (purpose: Purpose) => `/${purpose}/invoice-number`;
const afterIdentity = (purpose: Purpose) => (purpose === 'register' ? '/register/channel' : '/manage/send-code');

function customerPage(web: Web, purpose: Purpose, value: string, errors: FieldError[]) {
  const l = web.lang;
  const main = form(
    web.flow?.data.csrf,
    firstStep(purpose),
    html`${textField(l, { name: 'customer_number', question: t.customerQ[l], hint: t.customerHint[l], value, error: errors[0]?.text, inputmode: 'numeric', autocomplete: 'off' })}
${button(common.continue[l])}`,
  );
  return sendHtml(web.reply, errors.length ? 422 : 200, layout(page(web), { title: t.customerQ[l], main, errors, back: '/' }));
}

function invoicePage(web: Web, purpose: Purpose, errors: FieldError[], status = 422) {
  const l = web.lang;
  const main = form(
    web.flow?.data.csrf,
    invoiceStep(purpose),
    html`${textField(l, { name: 'invoice_number', question: t.invoiceQ[l], hint: t.invoiceHint[l], error: errors[0]?.text, autocomplete: 'off' })}
${button(common.continue[l])}`,
  );
  return sendHtml(web.reply, errors.length ? status : 200, layout(page(web), { title: t.invoiceQ[l], main, errors, back: firstStep(purpose) }));
}

export function identityPages(app: FastifyInstance, deps: PortalDeps): void {
  for (const purpose of ['register', 'manage'] as const) {
    app.get(firstStep(purpose), async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = await ensureFlow(web);
      return customerPage(web, purpose, flow.data.purpose === purpose ? (flow.data.customerInput ?? '') : '', []);
    });

    app.post(firstStep(purpose), async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = postedFlow(web);
      if (!flow) return expiredPage(web, firstStep(purpose));
      const typed = field(web, 'customer_number');
      const digits = typed.replace(/[\s-]/g, '');
      if (digits === '') return customerPage(web, purpose, typed, [{ field: 'customer_number', text: fieldErrors.customerEmpty[web.lang] }]);
      if (!customerNumberFormat.test(digits)) return customerPage(web, purpose, typed, [{ field: 'customer_number', text: fieldErrors.customerFormat[web.lang] }]);
      // A new customer number starts the flow over: nothing proven so far carries over.
      flow.data = { lang: flow.data.lang, ...(flow.data.csrf ? { csrf: flow.data.csrf } : {}), purpose, customerInput: digits };
      await saveFlow(deps.db, flow, deps.now());
      return redirect(web, invoiceStep(purpose));
    });

    app.get(invoiceStep(purpose), async (req, reply) => {
      const web = await webOf(req, reply, deps);
      if (!web.flow?.data.customerInput || web.flow.data.purpose !== purpose) return redirect(web, firstStep(purpose));
      return invoicePage(web, purpose, []);
    });

    // Every failure (unknown customer, wrong or old invoice, locked number) gets this same page.
    app.post(invoiceStep(purpose), async (req, reply) => {
      const web = await webOf(req, reply, deps);
      const flow = postedFlow(web);
      if (!flow) return expiredPage(web, firstStep(purpose));
      const customerNumber = flow.data.customerInput;
      if (!customerNumber || flow.data.purpose !== purpose) return redirect(web, firstStep(purpose));
      const invoiceNumber = field(web, 'invoice_number').replace(/\s/g, '');
      if (invoiceNumber === '') return invoicePage(web, purpose, [{ field: 'invoice_number', text: fieldErrors.invoiceEmpty[web.lang] }]);
      if (!invoiceNumberFormat.test(invoiceNumber)) return invoicePage(web, purpose, [{ field: 'invoice_number', text: fieldErrors.invoiceFormat[web.lang] }]);
      try {
        await identify(flowContext(web, flow), { purpose, customerNumber, invoiceNumber });
      } catch (e) {
        if (!(e instanceof PortalRefusal)) throw e;
        if (e.reason === 'rate_limited') reply.header('retry-after', String(e.retryAfterSeconds ?? 60));
        const text = refusalText(e.reason, web.lang, e.retryAfterSeconds);
        return invoicePage(web, purpose, [{ field: 'invoice_number', text }], e.reason === 'rate_limited' ? 429 : 422);
      }
      return redirect(web, afterIdentity(purpose));
    });
  }
}
