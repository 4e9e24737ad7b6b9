// The manage page's part for the lifecycle messages: "remind me before my bills fall due" and "my
// contacts are still right" (the answer to the yearly contact check), one form each.
import type { FastifyInstance } from 'fastify';
import { html, type SafeHtml } from '../../http/html.js';
import { confirmContacts, preferencesOf, setPreDueOptIn } from '../../dunning/lifecycle/preferences.js';
import type { PortalDeps } from '../deps.js';
import type { Flow } from '../flow-store.js';
import { banner, button, form } from './components.js';
import { expiredPage, field, postedFlow, redirect, webOf, type Web } from './session.js';

const t = {
  preDueTitle: { bg: 'Напомняне преди падежа', en: 'Reminder before the due date' },
  preDueLabel: {
    bg: 'Изпращайте ми напомняне няколко работни дни преди падежа на всяка сметка',
    en: 'Send me a reminder a few working days before each bill is due',
  },
  save: { bg: 'Запазване', en: 'Save' },
  checkTitle: { bg: 'Актуални ли са контактите Ви?', en: 'Are your contacts up to date?' },
  checkBody: {
    bg: 'Веднъж годишно Ви питаме дали контактите за известия са все още Ваши. Ако са, потвърдете; ако не, променете ги по-горе.',
    en: 'Once a year we ask whether your contacts for notices are still yours. If they are, confirm; if not, change them above.',
  },
  confirm: { bg: 'Да, контактите са мои и са актуални', en: 'Yes, these contacts are mine and up to date' },
  saved: { bg: 'Настройката е запазена.', en: 'Your setting has been saved.' },
  confirmed: { bg: 'Благодарим! Контактите са потвърдени.', en: 'Thank you! Your contacts are confirmed.' },
};

const NOTICES = { saved: t.saved, confirmed: t.confirmed } as const;

/** The section under the contacts on /manage (signed in), with its own confirmation banner. */
export async function lifecycleSection(web: Web, flow: Flow): Promise<SafeHtml> {
  const l = web.lang;
  const prefs = await preferencesOf(web.deps.db, flow.data.customer!);
  const notice = (web.req.query as Record<string, unknown>).notice;
  const shown = notice === 'saved' || notice === 'confirmed' ? NOTICES[notice][l] : undefined;
  const checked = prefs.preDueOptIn ? html` checked` : html``;
  return html`${banner(shown)}<h2>${t.preDueTitle[l]}</h2>
${form(flow.data.csrf, '/manage/preferences', html`<input type="hidden" name="action" value="predue"><div class="field"><div class="choice"><input id="predue" name="predue" type="checkbox" value="yes"${checked}><label for="predue">${t.preDueLabel[l]}</label></div></div>${button(t.save[l], 'secondary')}`)}
<h2>${t.checkTitle[l]}</h2><p>${t.checkBody[l]}</p>
${form(flow.data.csrf, '/manage/preferences', html`<input type="hidden" name="action" value="confirm">${button(t.confirm[l], 'secondary')}`)}`;
}

export function lifecyclePages(app: FastifyInstance, deps: PortalDeps, start: string): void {
  app.post('/manage/preferences', async (req, reply) => {
    const web = await webOf(req, reply, deps);
    const flow = postedFlow(web);
    if (!flow) return expiredPage(web, start);
    if (!(flow.data.purpose === 'manage' && flow.data.authenticated && flow.data.customer)) return redirect(web, start);
    const customer = flow.data.customer;
    const action = field(web, 'action');
    if (action === 'predue') {
      await setPreDueOptIn(deps.db, customer, field(web, 'predue') === 'yes', 'online:web');
      return redirect(web, '/manage?notice=saved');
    }
    if (action === 'confirm') {
      await confirmContacts(deps.db, customer, 'online:web', deps.now());
      return redirect(web, '/manage?notice=confirmed');
    }
    return redirect(web, '/manage');
  });
}
