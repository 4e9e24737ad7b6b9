import { pageBrand } from '../../brand/page.js';
import { html, type SafeHtml } from '../../http/html.js';
import { allows, type Access } from '../roles.js';
import { postForm, errorSummary, type FieldError } from './components.js';
import { BASE, type Ctx, type StaffCtx } from './context.js';

export const CSS_PATH = `${BASE}/assets/backoffice.css`;

const NAV: ReadonlyArray<{ href: string; bg: string; en: string; access: Access }> = [
  { href: `${BASE}/customers`, bg: 'Клиенти', en: 'Customers', access: 'agent' },
  { href: `${BASE}/holds`, bg: 'Задържания', en: 'Holds', access: 'supervisor' },
  { href: `${BASE}/policy`, bg: 'Политика', en: 'Policy', access: 'supervisor' },
  { href: `${BASE}/templates`, bg: 'Шаблони', en: 'Templates', access: 'supervisor' },
  { href: `${BASE}/runs`, bg: 'Дневни обработки', en: 'Daily runs', access: 'supervisor' },
  { href: `${BASE}/dashboard`, bg: 'Табло', en: 'Dashboard', access: 'supervisor' },
  { href: `${BASE}/users`, bg: 'Служители', en: 'Staff', access: 'admin' },
  { href: `${BASE}/providers`, bg: 'Доставчици', en: 'Providers', access: 'admin' },
];

export interface PageOptions {
  title: string;
  main: SafeHtml;
  errors?: readonly FieldError[];
  /** Extra elements for <head> (the dashboard's scripts). */
  head?: SafeHtml;
  /** Wide pages (tables, dashboard) use the full width. */
  wide?: boolean;
}

function nav(c: StaffCtx): SafeHtml {
  const s = c.session;
  const items = NAV.filter((n) => allows(s.user.role, n.access));
  return html`<nav class="nav" aria-label="${c.t('Основно меню', 'Main menu')}"><ul>
${items.map((n) => html`<li><a href="${n.href}"${c.path.startsWith(n.href) ? html` aria-current="page"` : ''}>${c.t(n.bg, n.en)}</a></li>`)}
</ul>
<div class="who"><a href="${BASE}/account">${s.user.displayName}</a> <span class="role">(${roleName(c, s.user.role)})</span>
${postForm(s.csrf, `${BASE}/logout`, html`<button type="submit" class="link-button">${c.t('Изход', 'Sign out')}</button>`, { inline: true })}</div>
</nav>`;
}

export function roleName(c: Ctx, role: string): string {
  switch (role) {
    case 'agent':
      return c.t('служител', 'agent');
    case 'supervisor':
      return c.t('ръководител', 'supervisor');
    case 'admin':
      return c.t('администратор', 'admin');
    default:
      return role;
  }
}

export function layout(c: Ctx, p: PageOptions): SafeHtml {
  const other = c.lang === 'bg' ? 'en' : 'bg';
  const errors = p.errors ?? [];
  const title = `${errors.length ? c.t('Грешка: ', 'Error: ') : ''}${p.title} – ${c.t('Известия: служебна част', 'Izvestie back office')}`;
  const brand = pageBrand(c.deps.config.brand);
  const staff = 'session' in c && (c as StaffCtx).session.stage === 'active' ? (c as StaffCtx) : null;
  const query = new URL(c.req.url, 'http://x').searchParams;
  query.set('lang', other);
  query.delete('format');
  return html`<!DOCTYPE html>
<html lang="${c.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="${CSS_PATH}">
${p.head ?? ''}
</head>
<body>
<a class="skip" href="#main-content">${c.t('Към основното съдържание', 'Skip to main content')}</a>
<header class="header"><div class="wrap${p.wide ? ' wrap--wide' : ''}">
<a class="brand" href="${BASE}/"><img class="logo" src="${brand.logoUrl}" alt="${brand.name}" height="32">${c.t('Известия: служебна част', 'Izvestie back office')}</a>
<a class="lang" href="${c.path}?${query.toString()}" lang="${other}" hreflang="${other}">${other === 'en' ? 'English' : 'Български'}</a>
</div></header>
<div class="wrap${p.wide ? ' wrap--wide' : ''}">
${c.deps.config.sandbox ? html`<div class="banner banner--warning" id="sandbox-banner" role="note"><p>${c.t('Тестов режим: нищо не се изпраща наистина.', 'Sandbox: nothing is really sent.')} <a href="/dev/outbox">${c.t('Пробна пощенска кутия', 'Sandbox outbox')}</a></p></div>` : ''}
${staff ? nav(staff) : ''}
<main id="main-content" tabindex="-1">
${errorSummary(c, errors)}
${p.main}
</main>
</div>
</body>
</html>`;
}
