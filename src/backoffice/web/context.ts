// One request of the back office: its language, its staff session, and helpers for forms.
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientIp } from '../../http/client-ip.js';
import type { Lang } from '../../delivery/text/default-templates.js';
import type { BackofficeDeps } from '../deps.js';
import type { StaffSession } from '../sessions.js';

// __Host- cookies are Secure, host-only and path=/. Browsers take Secure cookies from
// http://localhost and http://127.0.0.1 too (secure contexts), so a trial works without TLS.
export const SESSION_COOKIE = '__Host-izvestie-staff';
export const LOGIN_COOKIE = '__Host-izvestie-staff-login';
export const LANG_COOKIE = '__Host-izvestie-staff-lang';
export const cookieOptions: CookieSerializeOptions = { path: '/', secure: true, httpOnly: true, sameSite: 'strict' };

export const BASE = '/backoffice';

export interface Ctx {
  req: FastifyRequest;
  reply: FastifyReply;
  deps: BackofficeDeps;
  lang: Lang;
  ip: string;
  /** The path of this page without the query (the language switch links back to it). */
  path: string;
  /** Bulgarian or English, by the page's language. */
  t(bg: string, en: string): string;
}

export interface StaffCtx extends Ctx {
  session: StaffSession;
}

export function contextOf(req: FastifyRequest, reply: FastifyReply, deps: BackofficeDeps): Ctx {
  const asked = (req.query as Record<string, unknown> | undefined)?.lang;
  let lang: Lang = req.cookies[LANG_COOKIE] === 'en' ? 'en' : 'bg';
  if (asked === 'bg' || asked === 'en') {
    lang = asked;
    reply.setCookie(LANG_COOKIE, lang, { ...cookieOptions, sameSite: 'lax', maxAge: 365 * 86_400 });
  }
  return {
    req,
    reply,
    deps,
    lang,
    ip: clientIp(req),
    path: req.url.split('?')[0] ?? BASE,
    t: (bg, en) => (lang === 'bg' ? bg : en),
  };
}

export function redirect(c: Ctx, to: string): FastifyReply {
  return c.reply.code(303).header('location', to).send();
}

/** The posted form's field as a trimmed string ('' when absent). */
export function field(c: Ctx, name: string): string {
  const v = (c.req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.trim() : '';
}

/** A posted field that may be given several times (checkboxes). */
export function fields(c: Ctx, name: string): string[] {
  const v = (c.req.body as Record<string, unknown> | undefined)?.[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function query(c: Ctx, name: string): string {
  const v = (c.req.query as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.trim() : '';
}

export function param(c: Ctx, name: string): string {
  const v = (c.req.params as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

/** An integer path parameter, or null. */
export function idParam(c: Ctx, name: string): number | null {
  const v = param(c, name);
  return /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : null;
}

/** Who did it, for the audit trail. */
export const actor = (c: StaffCtx): string => `staff:${c.session.user.username}`;
