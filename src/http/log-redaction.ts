import type { FastifyRequest } from 'fastify';

const REDACTED = '[redacted]';

// Query parameters whose values are logged as they are; any other value may be a secret (the
// gateway's callback token) or personal data (a search, an email address), and is left out.
const PLAIN_PARAMS = new Set(['skip_invalid', 'date', 'month', 'days', 'page', 'lang', 'channel', 'status', 'kind', 'purpose']);

/**
 * A URL as it may be logged: the token of a one-click unsubscribe link (`/u/<token>`) and every
 * query value not known to be harmless are replaced.
 */
export function safeUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).replace(/^\/u\/[^/]+/, `/u/${REDACTED}`);
  if (q === -1) return path;
  const params = new URLSearchParams(url.slice(q + 1));
  const kept = [...params].map(([k, v]) => `${encodeURIComponent(k)}=${PLAIN_PARAMS.has(k) ? encodeURIComponent(v) : REDACTED}`);
  return `${path}?${kept.join('&')}`;
}

/** Fastify's request serializer, with the URL made safe and no headers at all. */
export function safeRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: safeUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
