import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** A fresh synchronizer token, kept server-side with the session and put in every form. */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Accepts a state-changing request only when it carries the session's token and, when the
 * browser says where it comes from (Sec-Fetch-Site, Origin), it comes from this site. The token
 * alone suffices; the headers stop a forged request even if a token ever leaked.
 */
export function csrfValid(req: FastifyRequest, expected: string | undefined, given: unknown): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return false;
  // 'null' is what privacy settings and no-referrer policies send: no information, the token decides.
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null' && !sameHost(origin, req.headers.host)) return false;
  if (expected === undefined || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

// Host is compared as the origin's scheme would read it, so a default port written out still matches.
// Behind a proxy, the proxy must pass the Host header on.
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    const o = new URL(origin);
    return host !== undefined && new URL(`${o.protocol}//${host}`).host === o.host;
  } catch {
    return false;
  }
}
