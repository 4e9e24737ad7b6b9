// Admins: the staff list, new accounts, and changes to an account (role, lock, password, second
// factor, disable). Each change is audited in users.ts.
import { isAppError } from '../../errors.js';
import { html, sendHtml } from '../../http/html.js';
import { generatePassword } from '../passwords.js';
import { ROLES, isRole } from '../roles.js';
import { saveSessionData } from '../sessions.js';
import { createUser, disableTotp, findUser, listUsers, resetPassword, setDisabled, setRole, unlockUser, type StaffUser } from '../users.js';
import { takeFlash, passwordText } from './account-pages.js';
import { banner, button, input, postForm, select, summary, type FieldError } from './components.js';
import { BASE, actor, field, idParam, redirect, type StaffCtx } from './context.js';
import { fmtDateTime, iso } from './format.js';
import { layout, roleName } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { messagePage, get, post, type BackofficeRoute } from './route.js';

const USERS = `${BASE}/users`;

function status(c: StaffCtx, u: StaffUser): string {
  if (u.disabledAt) return c.t('изключен', 'disabled');
  if (u.lockedUntil && u.lockedUntil > c.deps.now()) return c.t('заключен', 'locked');
  return c.t('активен', 'active');
}

function columns(c: StaffCtx): Column<StaffUser>[] {
  return [
    { bg: 'Потребител', en: 'Username', csv: (u) => u.username, cell: (u) => html`<a href="${USERS}/${u.id}">${u.username}</a>` },
    { bg: 'Име', en: 'Name', csv: (u) => u.displayName },
    { bg: 'Роля', en: 'Role', csv: (u) => u.role, cell: (u) => roleName(c, u.role) },
    { bg: 'Състояние', en: 'Status', csv: (u) => status(c, u) },
    { bg: 'Втори фактор', en: 'Second factor', csv: (u) => (u.totpEnabled ? c.t('да', 'yes') : c.t('не', 'no')) },
    { bg: 'Последен вход', en: 'Last sign-in', csv: (u) => iso(u.lastLoginAt), cell: (u) => fmtDateTime(u.lastLoginAt) },
    { bg: 'Създаден', en: 'Created', csv: (u) => iso(u.createdAt), cell: (u) => fmtDateTime(u.createdAt) },
  ];
}

const roleOptions = (c: StaffCtx) => ROLES.map((r) => ({ value: r, label: roleName(c, r) }));

async function flash(c: StaffCtx, text: string) {
  c.session.data.flash = text;
  await saveSessionData(c.deps.db, c.session);
}

function newUserPage(c: StaffCtx, status: number, values: Record<string, string> = {}, errors: FieldError[] = []) {
  const main = html`<h1>${c.t('Нов служител', 'New staff member')}</h1>
${postForm(
  c.session.csrf,
  USERS,
  html`${input(c, { name: 'username', label: c.t('Потребителско име', 'Username'), value: values.username ?? '', hint: c.t('Малки латински букви, цифри, точка, долна черта или тире.', 'Lower-case Latin letters, digits, dot, underscore or hyphen.'), autocomplete: 'off', errors })}
${input(c, { name: 'display_name', label: c.t('Име и фамилия', 'Full name'), value: values.display_name ?? '', width: 'long', errors })}
${select(c, { name: 'role', label: c.t('Роля', 'Role'), options: roleOptions(c), value: values.role ?? 'agent', errors })}
${button(c.t('Създаване', 'Create'))}`,
)}
<p class="hint">${c.t('Паролата се създава случайно и се показва веднъж; служителят я сменя при първия вход от „Моят профил“.', 'The password is generated and shown once; the staff member changes it from "My account" after signing in.')}</p>`;
  return sendHtml(c.reply, status, layout(c, { title: c.t('Нов служител', 'New staff member'), main, errors }));
}

function passwordShownPage(c: StaffCtx, u: StaffUser, password: string) {
  const main = html`<h1>${c.t('Временна парола', 'Temporary password')}</h1>
<p>${c.t('Дайте тази парола на', 'Give this password to')} <strong>${u.displayName}</strong> (${u.username}). ${c.t('Тя няма да бъде показана отново.', 'It will not be shown again.')}</p>
<p><code class="mono" id="new-password">${password}</code></p>
<p><a href="${USERS}/${u.id}">${c.t('Към профила на служителя', 'Go to the staff member')}</a></p>`;
  return sendHtml(c.reply, 200, layout(c, { title: c.t('Временна парола', 'Temporary password'), main }));
}

async function userPage(c: StaffCtx, u: StaffUser, status = 200, errors: FieldError[] = []) {
  const s = c.session;
  const notice = await takeFlash(c);
  const act = (name: string, text: string, variant: 'primary' | 'secondary' | 'warning' = 'secondary') =>
    postForm(s.csrf, `${USERS}/${u.id}`, button(text, variant, 'action', name), { inline: true });
  const main = html`<h1>${u.displayName}</h1>
${banner(notice)}
${summary([
  [c.t('Потребителско име', 'Username'), u.username],
  [c.t('Роля', 'Role'), roleName(c, u.role)],
  [c.t('Състояние', 'Status'), statusText(c, u)],
  [c.t('Втори фактор', 'Second factor'), u.totpEnabled ? c.t('включен', 'on') : c.t('изключен', 'off')],
  [c.t('Последен вход', 'Last sign-in'), fmtDateTime(u.lastLoginAt)],
  [c.t('Създаден от', 'Created by'), `${u.createdBy}, ${fmtDateTime(u.createdAt)}`],
])}
<h2>${c.t('Роля', 'Role')}</h2>
${postForm(s.csrf, `${USERS}/${u.id}`, html`${select(c, { name: 'role', label: c.t('Нова роля', 'New role'), options: roleOptions(c), value: u.role, errors })}${button(c.t('Запазване на ролята', 'Save role'), 'primary', 'action', 'role')}`)}
<h2>${c.t('Действия', 'Actions')}</h2>
<p>
${u.lockedUntil && u.lockedUntil > c.deps.now() ? act('unlock', c.t('Отключване', 'Unlock'), 'primary') : ''}
${act('reset_password', c.t('Нова временна парола', 'New temporary password'))}
${u.totpEnabled ? act('disable_totp', c.t('Изключване на втория фактор', 'Turn the second factor off')) : ''}
${u.disabledAt ? act('enable', c.t('Включване на профила', 'Enable the account'), 'primary') : act('disable', c.t('Изключване на профила', 'Disable the account'), 'warning')}
</p>
<p><a href="${BASE}/audit?actor=${encodeURIComponent(`staff:${u.username}`)}">${c.t('Действия на служителя в одитния журнал', "The staff member's actions in the audit trail")}</a></p>`;
  return sendHtml(c.reply, status, layout(c, { title: u.displayName, main, errors }));
}

function statusText(c: StaffCtx, u: StaffUser): string {
  const s = status(c, u);
  return u.lockedUntil && u.lockedUntil > c.deps.now() && !u.disabledAt ? `${s} ${c.t('до', 'until')} ${fmtDateTime(u.lockedUntil)}` : s;
}

export const userRoutes: BackofficeRoute[] = [
  get(USERS, 'admin', async (c) => {
    const users = await listUsers(c.deps.db);
    if (wantsCsv(c)) return sendCsv(c, 'staff', columns(c), users);
    const main = html`<h1>${c.t('Служители', 'Staff')}</h1>
${banner(await takeFlash(c))}
<p><a class="button" href="${USERS}/new">${c.t('Нов служител', 'New staff member')}</a></p>
${table(c, { id: 'users', caption: c.t('Всички служители', 'All staff'), columns: columns(c), rows: users })}`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Служители', 'Staff'), main, wide: true }));
  }),

  get(`${USERS}/new`, 'admin', async (c) => newUserPage(c, 200)),

  post(USERS, 'admin', async (c) => {
    const values = { username: field(c, 'username'), display_name: field(c, 'display_name'), role: field(c, 'role') };
    const errors: FieldError[] = [];
    if (!isRole(values.role)) errors.push({ field: 'role', text: c.t('Изберете роля.', 'Choose a role.') });
    if (values.display_name === '') errors.push({ field: 'display_name', text: c.t('Въведете име.', 'Enter a name.') });
    if (errors.length) return newUserPage(c, 422, values, errors);
    const password = generatePassword();
    try {
      const u = await createUser(c.deps.db, { username: values.username, displayName: values.display_name, role: values.role as StaffUser['role'], password }, actor(c));
      return passwordShownPage(c, u, password);
    } catch (e) {
      if (!isAppError(e) || (e.code !== 'VALIDATION_FAILED' && e.code !== 'CONFLICT')) throw e;
      const d = e.details as { field?: string; problem?: string };
      const text =
        d.problem === 'taken'
          ? c.t('Това потребителско име е заето.', 'This username is taken.')
          : d.field === 'username'
            ? c.t('Потребителското име: 2–40 знака, малки латински букви, цифри, . _ -', 'Username: 2–40 characters, lower-case Latin letters, digits, . _ -')
            : c.t('Проверете полето.', 'Check this field.');
      return newUserPage(c, 422, values, [{ field: d.field ?? 'username', text }]);
    }
  }),

  get(`${USERS}/:id`, 'admin', async (c) => {
    const id = idParam(c, 'id');
    const u = id === null ? null : await findUser(c.deps.db, id);
    if (!u) return messagePage(c, 404, c.t('Няма такъв служител', 'No such staff member'), c.t('Проверете връзката.', 'Check the link.'));
    return userPage(c, u);
  }),

  post(`${USERS}/:id`, 'admin', async (c) => {
    const id = idParam(c, 'id');
    const u = id === null ? null : await findUser(c.deps.db, id);
    if (!u) return messagePage(c, 404, c.t('Няма такъв служител', 'No such staff member'), c.t('Проверете връзката.', 'Check the link.'));
    const who = actor(c);
    try {
      switch (field(c, 'action')) {
        case 'role': {
          const role = field(c, 'role');
          if (!isRole(role)) return userPage(c, u, 422, [{ field: 'role', text: c.t('Изберете роля.', 'Choose a role.') }]);
          await setRole(c.deps.db, u.id, role, who);
          await flash(c, c.t('Ролята е сменена; сесиите на служителя са прекратени.', "The role has been changed; the staff member's sessions have ended."));
          break;
        }
        case 'unlock':
          await unlockUser(c.deps.db, u.id, who);
          await flash(c, c.t('Профилът е отключен.', 'The account is unlocked.'));
          break;
        case 'disable':
          await setDisabled(c.deps.db, u.id, true, who);
          await flash(c, c.t('Профилът е изключен.', 'The account is disabled.'));
          break;
        case 'enable':
          await setDisabled(c.deps.db, u.id, false, who);
          await flash(c, c.t('Профилът е включен.', 'The account is enabled.'));
          break;
        case 'disable_totp':
          await disableTotp(c.deps.db, u.id, who);
          await flash(c, c.t('Вторият фактор е изключен.', 'The second factor is off.'));
          break;
        case 'reset_password': {
          const password = generatePassword();
          await resetPassword(c.deps.db, u.id, password, who);
          return passwordShownPage(c, u, password);
        }
        default:
          return redirect(c, `${USERS}/${u.id}`);
      }
    } catch (e) {
      if (isAppError(e) && e.code === 'CONFLICT') {
        return userPage(c, u, 409, [{ field: 'role', text: c.t('Това е последният активен администратор.', 'This is the last enabled admin.') }]);
      }
      if (isAppError(e) && e.code === 'VALIDATION_FAILED') return userPage(c, u, 422, [{ field: 'role', text: passwordText(c, (e.details as { problem?: string }).problem) }]);
      throw e;
    }
    return redirect(c, `${USERS}/${u.id}`);
  }),
];
