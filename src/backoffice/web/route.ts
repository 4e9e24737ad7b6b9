// The back office's routes are data: method, path, who may use it, and the handler. The plugin
// registers only these, each behind the same check, and the authorisation test walks the same
// table, so no route can be added without a stated access level.
import type { FastifyReply } from 'fastify';
import { recordAudit } from '../../audit/record.js';
import { csrfValid } from '../../http/csrf.js';
import { html, sendHtml } from '../../http/html.js';
import { allows, type Access } from '../roles.js';
import { loadSession } from '../sessions.js';
import { BASE, SESSION_COOKIE, cookieOptions, redirect, type Ctx, type StaffCtx } from './context.js';
import { layout } from './layout.js';

type Method = 'GET' | 'POST';

export type BackofficeRoute =
  | { method: Method; url: string; access: 'public'; handler: (c: Ctx) => Promise<unknown> }
  | { method: Method; url: string; access: Exclude<Access, 'public'>; handler: (c: StaffCtx) => Promise<unknown> };

export function get(url: string, access: 'public', handler: (c: Ctx) => Promise<unknown>): BackofficeRoute;
export function get(url: string, access: Exclude<Access, 'public'>, handler: (c: StaffCtx) => Promise<unknown>): BackofficeRoute;
export function get(url: string, access: Access, handler: (c: never) => Promise<unknown>): BackofficeRoute {
  return { method: 'GET', url, access, handler } as BackofficeRoute;
}

export function post(url: string, access: 'public', handler: (c: Ctx) => Promise<unknown>): BackofficeRoute;
export function post(url: string, access: Exclude<Access, 'public'>, handler: (c: StaffCtx) => Promise<unknown>): BackofficeRoute;
export function post(url: string, access: Access, handler: (c: never) => Promise<unknown>): BackofficeRoute {
  return { method: 'POST', url, access, handler } as BackofficeRoute;
}

export function messagePage(c: Ctx, status: number, title: string, body: string): FastifyReply {
  return sendHtml(c.reply, status, layout(c, { title, main: html`<h1>${title}</h1><p>${body}</p><p><a href="${BASE}/">${c.t('Към началната страница', 'Go to the start page')}</a></p>` }));
}

export function forbiddenPage(c: Ctx): FastifyReply {
  return messagePage(c, 403, c.t('Нямате достъп', 'You do not have access'), c.t('Ролята Ви не позволява това действие. Ако Ви е нужно, обърнете се към администратор.', 'Your role does not allow this. Ask an administrator if you need it.'));
}

export function expiredFormPage(c: Ctx): FastifyReply {
  return messagePage(c, 403, c.t('Формулярът е изтекъл', 'The form has expired'), c.t('Нищо не е запазено. Отворете страницата отново и опитайте пак.', 'Nothing was saved. Open the page again and retry.'));
}

/** Runs a request through the checks its access level asks for, then the handler. */
export async function dispatch(route: BackofficeRoute, c: Ctx): Promise<unknown> {
  if (route.access === 'public') return route.handler(c);
  const token = c.req.cookies[SESSION_COOKIE];
  const found = token ? await loadSession(c.deps.db, c.deps.config.backoffice, token, c.deps.now()) : { session: null, ended: null };
  if (!found.session) {
    if (token) c.reply.clearCookie(SESSION_COOKIE, cookieOptions);
    const next = route.method === 'GET' ? c.req.url : '';
    const params = new URLSearchParams();
    if (next) params.set('next', next);
    if (found.ended) params.set('ended', found.ended);
    return redirect(c, `${BASE}/login${params.size ? `?${params.toString()}` : ''}`);
  }
  if (found.session.stage !== 'active') return redirect(c, `${BASE}/login/code`);
  const sc: StaffCtx = { ...c, session: found.session };
  if (!allows(found.session.user.role, route.access)) {
    await recordAudit(c.deps.db, { actor: `staff:${found.session.user.username}`, action: 'backoffice.access_denied', subject: null, details: { method: route.method, url: c.req.url.slice(0, 200), role: found.session.user.role, ip: c.ip } });
    return forbiddenPage(sc);
  }
  if (route.method === 'POST' && !csrfValid(c.req, found.session.csrf, (c.req.body as Record<string, unknown> | undefined)?._csrf)) return expiredFormPage(sc);
  return route.handler(sc);
}
