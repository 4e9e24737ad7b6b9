// Signing in: username and password, then a TOTP code for users who turned it on. Before sign-in
// there is no session to hold a CSRF token, so the form carries one that must match a
// SameSite=Strict cookie set with the form (double submit), besides the Origin checks.
import { csrfValid, newCsrfToken } from '../../http/csrf.js';
import { html, sendHtml } from '../../http/html.js';
import { recordAudit } from '../../audit/record.js';
import { createSession, endSession, loadSession, promoteSession, type StaffSession } from '../sessions.js';
import { checkPassword, checkSecondFactor } from '../users.js';
import { button, input, type FieldError } from './components.js';
import { BASE, LOGIN_COOKIE, SESSION_COOKIE, cookieOptions, field, query, redirect, type Ctx, type StaffCtx } from './context.js';
import { layout } from './layout.js';
import { expiredFormPage, get, post, type BackofficeRoute } from './route.js';

// A half-signed-in session waits this long for its code.
const SECOND_FACTOR_MS = 5 * 60_000;

/**
 * Only a path inside the back office (never another site, nor //host), in printable ASCII: it goes
 * into a Location header, where CR/LF would split the answer and other characters are refused.
 */
function safeNext(next: string): string {
  return /^\/backoffice(\/[!-.0-[\]-~][!-[\]-~]*)?$/.test(next) || next === `${BASE}/` ? next : `${BASE}/`;
}

function loginPage(c: Ctx, status: number, o: { username?: string; errors?: FieldError[]; notice?: string } = {}) {
  const token = newCsrfToken();
  c.reply.setCookie(LOGIN_COOKIE, token, { ...cookieOptions, maxAge: 3600 });
  const next = safeNext(field(c, 'next') || query(c, 'next'));
  const main = html`<h1>${c.t('Вход за служители', 'Staff sign-in')}</h1>
${o.notice ? html`<div class="banner banner--warning" role="status"><p>${o.notice}</p></div>` : ''}
<form method="post" action="${BASE}/login" novalidate>
<input type="hidden" name="_csrf" value="${token}">
<input type="hidden" name="next" value="${next}">
${input(c, { name: 'username', label: c.t('Потребителско име', 'Username'), value: o.username ?? '', autocomplete: 'username', width: 'medium', errors: o.errors })}
${input(c, { name: 'password', label: c.t('Парола', 'Password'), type: 'password', autocomplete: 'current-password', width: 'medium', errors: o.errors })}
${button(c.t('Вход', 'Sign in'))}
</form>`;
  return sendHtml(c.reply, status, layout(c, { title: c.t('Вход', 'Sign in'), main, errors: o.errors ?? [] }));
}

function codePage(c: Ctx, s: StaffSession, status: number, errors: FieldError[] = []) {
  const main = html`<h1>${c.t('Код за потвърждение', 'Verification code')}</h1>
<p>${c.t('Въведете 6-цифрения код от приложението за удостоверяване.', 'Enter the 6-digit code from your authenticator app.')}</p>
<form method="post" action="${BASE}/login/code?next=${encodeURIComponent(safeNext(query(c, 'next')))}" novalidate>
<input type="hidden" name="_csrf" value="${s.csrf}">
${input(c, { name: 'code', label: c.t('Код', 'Code'), autocomplete: 'one-time-code', inputmode: 'numeric', width: 'short', errors })}
${button(c.t('Потвърждаване', 'Confirm'))}
</form>`;
  return sendHtml(c.reply, status, layout(c, { title: c.t('Код за потвърждение', 'Verification code'), main, errors }));
}

const failure = (c: Ctx): FieldError[] => [
  {
    field: 'username',
    text: c.t(
      'Грешно потребителско име или парола, или профилът е заключен временно след няколко грешни опита.',
      'Wrong username or password, or the account is locked for a while after several wrong attempts.',
    ),
  },
];

// About the address, never the account, so it tells nothing about which user names exist.
const throttled = (c: Ctx): FieldError[] => [
  {
    field: 'username',
    text: c.t('Твърде много неуспешни опити за вход от този адрес. Опитайте отново по-късно.', 'Too many failed sign-ins from this address. Please try again later.'),
  },
];

async function halfSession(c: Ctx): Promise<StaffSession | null> {
  const token = c.req.cookies[SESSION_COOKIE];
  if (!token) return null;
  const r = await loadSession(c.deps.db, c.deps.config.backoffice, token, c.deps.now());
  return r.session;
}

export const loginRoutes: BackofficeRoute[] = [
  get(`${BASE}/login`, 'public', async (c) => {
    const s = await halfSession(c);
    if (s?.stage === 'active') return redirect(c, safeNext(query(c, 'next')));
    const ended = query(c, 'ended');
    const notice = ended === 'idle' || ended === 'expired' ? c.t('Сесията Ви изтече. Влезте отново.', 'Your session has ended. Please sign in again.') : undefined;
    return loginPage(c, 200, notice ? { notice } : {});
  }),

  post(`${BASE}/login`, 'public', async (c) => {
    if (!csrfValid(c.req, c.req.cookies[LOGIN_COOKIE], field(c, '_csrf'))) return expiredFormPage(c);
    const username = field(c, 'username');
    const password = (c.req.body as Record<string, unknown> | undefined)?.password;
    if (username === '' || typeof password !== 'string' || password === '') return loginPage(c, 401, { username, errors: failure(c) });
    const now = c.deps.now();
    const r = await checkPassword(c.deps.db, c.deps.config.backoffice, { username, password, ip: c.ip, now });
    if (!r.ok && r.reason === 'throttled') {
      c.reply.header('retry-after', String(Math.max(1, Math.ceil((r.until.getTime() - now.getTime()) / 1000))));
      return loginPage(c, 429, { username, errors: throttled(c) });
    }
    if (!r.ok) return loginPage(c, 401, { username, errors: failure(c) });
    const old = await halfSession(c);
    if (old) await endSession(c.deps.db, old.hash);
    const token = await createSession(c.deps.db, c.deps.config.backoffice, {
      userId: r.user.id,
      stage: r.secondFactor ? 'second_factor' : 'active',
      ip: c.ip,
      now,
      ...(r.secondFactor ? { expiresAt: new Date(now.getTime() + SECOND_FACTOR_MS) } : {}),
    });
    c.reply.setCookie(SESSION_COOKIE, token, cookieOptions);
    c.reply.clearCookie(LOGIN_COOKIE, cookieOptions);
    const next = safeNext(field(c, 'next'));
    return redirect(c, r.secondFactor ? `${BASE}/login/code?next=${encodeURIComponent(next)}` : next);
  }),

  get(`${BASE}/login/code`, 'public', async (c) => {
    const s = await halfSession(c);
    if (!s) return redirect(c, `${BASE}/login`);
    if (s.stage === 'active') return redirect(c, `${BASE}/`);
    return codePage(c, s, 200);
  }),

  post(`${BASE}/login/code`, 'public', async (c) => {
    const s = await halfSession(c);
    if (!s || s.stage !== 'second_factor') return redirect(c, `${BASE}/login`);
    if (!csrfValid(c.req, s.csrf, field(c, '_csrf'))) return expiredFormPage(c);
    const now = c.deps.now();
    const r = await checkSecondFactor(c.deps.db, c.deps.config.backoffice, { userId: s.user.id, code: field(c, 'code'), ip: c.ip, now });
    if (r === 'locked') {
      await endSession(c.deps.db, s.hash);
      c.reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return loginPage(c, 401, { errors: failure(c) });
    }
    if (r === 'wrong') return codePage(c, s, 401, [{ field: 'code', text: c.t('Кодът не е верен или вече е използван.', 'The code is wrong or has been used already.') }]);
    const token = await promoteSession(c.deps.db, c.deps.config.backoffice, s, c.ip, now);
    c.reply.setCookie(SESSION_COOKIE, token, cookieOptions);
    return redirect(c, safeNext(query(c, 'next')));
  }),

  post(`${BASE}/logout`, 'signed_in', async (c: StaffCtx) => {
    await endSession(c.deps.db, c.session.hash);
    await recordAudit(c.deps.db, { actor: `staff:${c.session.user.username}`, action: 'staff.signed_out', subject: `staff_user:${c.session.user.username}`, details: { ip: c.ip } });
    c.reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return redirect(c, `${BASE}/login`);
  }),
];
