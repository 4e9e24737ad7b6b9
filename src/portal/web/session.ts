import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pageBrand } from '../../brand/page.js';
import { clientIp } from '../../http/client-ip.js';
import { csrfValid, newCsrfToken } from '../../http/csrf.js';
import { html, sendHtml } from '../../http/html.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import type { PortalDeps } from '../deps.js';
import { createFlow, loadFlow, saveFlow, type Flow } from '../flow-store.js';
import type { FlowContext } from '../flow.js';
import { layout, type PageContext } from './layout.js';
import { common } from './texts.js';

// __Host- cookies are Secure, host-only and path=/; browsers accept Secure cookies from
// http://localhost (a secure context), so the flow also works on a developer's machine.
export const SESSION_COOKIE = '__Host-izvestie';
export const LANG_COOKIE = '__Host-izvestie-lang';

const sessionCookie: CookieSerializeOptions = { path: '/', secure: true, httpOnly: true, sameSite: 'strict' };
// When the utility's site frames the portal (PORTAL_FRAME_ANCESTORS), the cookies are the frame's
// third-party cookies: a SameSite cookie is withheld there, and Partitioned (CHIPS) keeps it in
// browsers that block unpartitioned third-party cookies. The CSRF token still guards every POST.
const framedCookie: CookieSerializeOptions = { path: '/', secure: true, httpOnly: true, sameSite: 'none', partitioned: true };

function cookieOf(deps: PortalDeps): CookieSerializeOptions {
  return deps.config.http.frameAncestors.length > 0 ? framedCookie : sessionCookie;
}

// The language follows a link from another site (lax) unless framed, where only None works.
function langCookieOf(deps: PortalDeps): CookieSerializeOptions {
  return deps.config.http.frameAncestors.length > 0 ? framedCookie : { ...sessionCookie, sameSite: 'lax' };
}

/** One web request of the portal: its language, client IP and flow (if the browser has one). */
export interface Web {
  req: FastifyRequest;
  reply: FastifyReply;
  deps: PortalDeps;
  lang: Lang;
  ip: string;
  flow: Flow | null;
}

export async function webOf(req: FastifyRequest, reply: FastifyReply, deps: PortalDeps): Promise<Web> {
  const asked = (req.query as Record<string, unknown> | undefined)?.lang;
  const cookieLang = req.cookies[LANG_COOKIE];
  let lang: Lang = cookieLang === 'en' ? 'en' : 'bg';
  if (asked === 'bg' || asked === 'en') {
    lang = asked;
    reply.setCookie(LANG_COOKIE, lang, { ...langCookieOf(deps), maxAge: 365 * 86_400 });
  }
  const token = req.cookies[SESSION_COOKIE];
  const flow = token ? await loadFlow(deps.db, token, deps.now()) : null;
  if (flow && flow.data.lang !== lang) {
    flow.data.lang = lang;
    await saveFlow(deps.db, flow, deps.now());
  }
  return { req, reply, deps, lang, ip: clientIp(req), flow };
}

/** The request's flow, or a new one (its cookie set) when the browser has none. */
export async function ensureFlow(web: Web): Promise<Flow> {
  if (web.flow) return web.flow;
  const { token, flow } = await createFlow(web.deps.db, { lang: web.lang, csrf: newCsrfToken() }, web.deps.now());
  web.reply.setCookie(SESSION_COOKIE, token, cookieOf(web.deps));
  web.flow = flow;
  return flow;
}

export function page(web: Web): PageContext {
  const path = web.req.url.split('?')[0] ?? '/';
  return { lang: web.lang, path, sandbox: web.deps.config.sandbox, brand: pageBrand(web.deps.config.brand), ...(web.flow?.data.csrf ? { csrf: web.flow.data.csrf } : {}) };
}

/** A POST's flow when its CSRF token is right; otherwise null (the caller answers expiredPage). */
export function postedFlow(web: Web): Flow | null {
  const body = web.req.body as Record<string, unknown> | undefined;
  if (!web.flow || !csrfValid(web.req, web.flow.data.csrf, body?._csrf)) return null;
  return web.flow;
}

export function flowContext(web: Web, flow: Flow): FlowContext {
  return { deps: web.deps, flow, actor: { via: 'web', ip: web.ip } };
}

/** A refused or timed-out form: nothing was saved, start again. */
export function expiredPage(web: Web, start: string): FastifyReply {
  const main = html`<h1>${common.expired[web.lang]}</h1>
<p>${common.expiredBody[web.lang]}</p>
<p><a class="button" href="${start}">${common.startAgain[web.lang]}</a></p>`;
  return sendHtml(web.reply, 403, layout(page(web), { title: common.expired[web.lang], main }));
}

export function redirect(web: Web, to: string): FastifyReply {
  return web.reply.code(303).header('location', to).send();
}

/** The posted form's field as a trimmed string ('' when absent). */
export function field(web: Web, name: string): string {
  const v = (web.req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.trim() : '';
}
