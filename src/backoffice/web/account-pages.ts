// The signed-in user's own account: change the password, turn the second factor on or off.
import { isAppError } from '../../errors.js';
import { html, sendHtml } from '../../http/html.js';
import { saveSessionData } from '../sessions.js';
import { base32Decode, base32Encode, newTotpSecret, otpauthUri } from '../totp.js';
import { changeOwnPassword, disableTotp, enableTotp } from '../users.js';
import { banner, button, input, postForm, summary, type FieldError } from './components.js';
import { BASE, actor, field, redirect, type StaffCtx } from './context.js';
import { layout, roleName } from './layout.js';
import { get, post, type BackofficeRoute } from './route.js';

const URL_ACCOUNT = `${BASE}/account`;

async function flash(c: StaffCtx, text: string) {
  c.session.data.flash = text;
  await saveSessionData(c.deps.db, c.session);
}

export async function takeFlash(c: StaffCtx): Promise<string | undefined> {
  const f = c.session.data.flash;
  if (f !== undefined) {
    delete c.session.data.flash;
    await saveSessionData(c.deps.db, c.session);
  }
  return f;
}

export function passwordText(c: StaffCtx, problem: unknown): string {
  switch (problem) {
    case 'too_short':
      return c.t('Паролата трябва да е поне 12 знака.', 'The password must be at least 12 characters.');
    case 'too_long':
      return c.t('Паролата трябва да е най-много 128 знака.', 'The password must be at most 128 characters.');
    case 'is_username':
      return c.t('Паролата не може да съдържа потребителското име.', 'The password must not contain the username.');
    default:
      return c.t('Паролата не е приета.', 'The password is not accepted.');
  }
}

async function accountPage(c: StaffCtx, status: number, errors: FieldError[] = []) {
  const s = c.session;
  const notice = await takeFlash(c);
  const pending = s.data.totpPending;
  const totp = s.user.totpEnabled
    ? html`<p>${c.t('Вторият фактор (код от приложение) е включен.', 'The second factor (app code) is on.')}</p>
${postForm(s.csrf, `${URL_ACCOUNT}/totp/disable`, button(c.t('Изключване на втория фактор', 'Turn the second factor off'), 'warning'))}`
    : pending
      ? html`<p>${c.t('Добавете този ключ в приложението за удостоверяване (Google Authenticator, Aegis, FreeOTP и др.) и въведете кода, който то показва.', 'Add this key to your authenticator app (Google Authenticator, Aegis, FreeOTP, etc.) and enter the code it shows.')}</p>
<p>${c.t('Ключ', 'Key')}: <code class="mono" id="totp-secret">${pending.replace(/(.{4})/g, '$1 ').trim()}</code></p>
<details><summary>${c.t('Адрес otpauth за импортиране', 'otpauth address to import')}</summary><pre>${otpauthUri(base32Decode(pending), s.user.username, 'izvestie')}</pre></details>
${postForm(s.csrf, `${URL_ACCOUNT}/totp/confirm`, html`${input(c, { name: 'code', label: c.t('Код от приложението', 'Code from the app'), inputmode: 'numeric', autocomplete: 'one-time-code', width: 'short', errors })}${button(c.t('Включване', 'Turn on'))}`)}`
      : html`<p>${c.t('Вторият фактор е изключен. Препоръчваме да го включите.', 'The second factor is off. We recommend turning it on.')}</p>
${postForm(s.csrf, `${URL_ACCOUNT}/totp/start`, button(c.t('Включване на втори фактор', 'Set up a second factor'), 'secondary'))}`;
  const main = html`<h1>${c.t('Моят профил', 'My account')}</h1>
${banner(notice)}
${summary([
  [c.t('Потребителско име', 'Username'), s.user.username],
  [c.t('Име', 'Name'), s.user.displayName],
  [c.t('Роля', 'Role'), roleName(c, s.user.role)],
])}
<h2>${c.t('Смяна на паролата', 'Change password')}</h2>
${postForm(
  s.csrf,
  `${URL_ACCOUNT}/password`,
  html`${input(c, { name: 'current', label: c.t('Настояща парола', 'Current password'), type: 'password', autocomplete: 'current-password', errors })}
${input(c, { name: 'next', label: c.t('Нова парола', 'New password'), type: 'password', autocomplete: 'new-password', hint: c.t('Поне 12 знака. Дълга фраза от няколко думи е лесна за помнене и трудна за отгатване.', 'At least 12 characters. A long phrase of several words is easy to remember and hard to guess.'), errors })}
${button(c.t('Смяна на паролата', 'Change password'))}`,
)}
<h2>${c.t('Втори фактор', 'Second factor')}</h2>
${totp}`;
  return sendHtml(c.reply, status, layout(c, { title: c.t('Моят профил', 'My account'), main, errors }));
}

export const accountRoutes: BackofficeRoute[] = [
  get(URL_ACCOUNT, 'signed_in', (c) => accountPage(c, 200)),

  post(`${URL_ACCOUNT}/password`, 'signed_in', async (c) => {
    const body = c.req.body as Record<string, unknown>;
    const current = typeof body.current === 'string' ? body.current : '';
    const next = typeof body.next === 'string' ? body.next : '';
    try {
      const r = await changeOwnPassword(c.deps.db, { userId: c.session.user.id, current, next, keepSession: c.session.hash });
      if (r === 'wrong_current') return accountPage(c, 422, [{ field: 'current', text: c.t('Настоящата парола не е вярна.', 'The current password is wrong.') }]);
    } catch (e) {
      if (isAppError(e) && e.code === 'VALIDATION_FAILED') return accountPage(c, 422, [{ field: 'next', text: passwordText(c, (e.details as { problem?: string }).problem) }]);
      throw e;
    }
    await flash(c, c.t('Паролата е сменена. Другите Ви сесии са прекратени.', 'Your password has been changed. Your other sessions have ended.'));
    return redirect(c, URL_ACCOUNT);
  }),

  post(`${URL_ACCOUNT}/totp/start`, 'signed_in', async (c) => {
    if (!c.session.user.totpEnabled) {
      c.session.data.totpPending = base32Encode(newTotpSecret());
      await saveSessionData(c.deps.db, c.session);
    }
    return redirect(c, URL_ACCOUNT);
  }),

  post(`${URL_ACCOUNT}/totp/confirm`, 'signed_in', async (c) => {
    const pending = c.session.data.totpPending;
    if (!pending) return redirect(c, URL_ACCOUNT);
    const ok = await enableTotp(c.deps.db, { userId: c.session.user.id, secret: base32Decode(pending), code: field(c, 'code'), now: c.deps.now() });
    if (!ok) return accountPage(c, 422, [{ field: 'code', text: c.t('Кодът не е верен. Проверете часовника на телефона.', "The code is wrong. Check the phone's clock.") }]);
    delete c.session.data.totpPending;
    c.session.user.totpEnabled = true;
    await flash(c, c.t('Вторият фактор е включен.', 'The second factor is on.'));
    return redirect(c, URL_ACCOUNT);
  }),

  post(`${URL_ACCOUNT}/totp/disable`, 'signed_in', async (c) => {
    await disableTotp(c.deps.db, c.session.user.id, actor(c));
    await flash(c, c.t('Вторият фактор е изключен.', 'The second factor is off.'));
    return redirect(c, URL_ACCOUNT);
  }),
];
