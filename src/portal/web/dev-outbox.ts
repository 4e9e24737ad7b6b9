import type { FastifyInstance } from 'fastify';
import { listSandboxMessages } from '../../delivery/channels/sandbox.js';
import { html, sendHtml } from '../../http/html.js';
import type { PortalDeps } from '../deps.js';
import { layout } from './layout.js';
import { page, webOf } from './session.js';

const t = {
  title: { bg: 'Пробна пощенска кутия', en: 'Sandbox outbox' },
  intro: {
    bg: 'Съобщенията, които пробната среда е „изпратила“ – най-новите първи. Нищо от тях не е изпратено наистина. Тази страница съществува само в пробна среда.',
    en: 'The messages the sandbox has “sent”, newest first. None of them was really sent. This page exists only in a sandbox.',
  },
  refresh: { bg: 'Обновете списъка', en: 'Refresh the list' },
  empty: { bg: 'Още няма съобщения. Работникът ги изпраща до секунда след като бъдат създадени.', en: 'No messages yet. The worker sends them within a second of their creation.' },
  when: { bg: 'Кога (София)', en: 'When (Sofia)' },
  to: { bg: 'До', en: 'To' },
  text: { bg: 'Текст', en: 'Text' },
};

const sofia = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Sofia', dateStyle: 'short', timeStyle: 'medium' });

/** The sandbox's messages, so a newcomer can finish the portal's flows without a real provider. */
export function devOutboxPage(app: FastifyInstance, deps: PortalDeps): void {
  app.get('/dev/outbox', async (req, reply) => {
    if (!deps.config.sandbox) return reply.callNotFound();
    const web = await webOf(req, reply, deps);
    const l = web.lang;
    const messages = await listSandboxMessages(deps.db, { limit: 50 });
    const rows = messages.map(
      (m) => html`<tr><td>${sofia.format(m.sent_at ?? m.created_at).replaceAll('/', '.').replace(',', '')}</td><td>${m.channel.toUpperCase()}: ${m.recipient}<br>${m.kind}</td><td>${m.subject ? html`<strong>${m.subject}</strong><br>` : ''}<pre>${m.body ?? ''}</pre></td></tr>`,
    );
    const main = html`<h1>${t.title[l]}</h1>
<p>${t.intro[l]}</p>
<p><a href="/dev/outbox">${t.refresh[l]}</a></p>
${messages.length === 0 ? html`<p>${t.empty[l]}</p>` : html`<table class="outbox"><thead><tr><th scope="col">${t.when[l]}</th><th scope="col">${t.to[l]}</th><th scope="col">${t.text[l]}</th></tr></thead><tbody>${rows}</tbody></table>`}`;
    return sendHtml(reply, 200, layout(page(web), { title: t.title[l], main }));
  });
}
