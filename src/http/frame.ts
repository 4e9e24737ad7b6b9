import type { FastifyInstance } from 'fastify';

// Framing the portal's pages in the utility's own site (PORTAL_FRAME_ANCESTORS). By default no site
// may frame any page (CSP frame-ancestors 'none' and X-Frame-Options DENY). When origins are listed,
// the portal's pages — never the back office or the API — may be framed by exactly those origins,
// and the portal's cookies become third-party cookies of that frame: SameSite=None (else the
// browser withholds them inside a cross-site frame), Secure, and Partitioned (CHIPS: kept per
// top-level site, which is what browsers that block third-party cookies still allow).

/** `https://host[:port]`; plain http only for a loopback host (a developer's machine, the tests). */
export function parseFrameAncestors(value: string): string[] {
  const origins: string[] = [];
  for (const part of value.split(/[\s,]+/).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new Error(`"${part}" is not an origin like https://www.example.bg`);
    }
    if (url.origin === 'null' || url.origin !== part.replace(/\/$/, '') || url.username || url.password) {
      throw new Error(`"${part}" must be an origin only (scheme, host and port, no path), like https://www.example.bg`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new Error(`"${part}" must be https:// (http:// only for localhost or 127.0.0.1)`);
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return origins;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * Third-party cookies are only kept when Secure, which browsers accept from https or a loopback
 * http origin: PUBLIC_URL must be one of those when the portal may be framed.
 */
export function frameablePublicUrl(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

/**
 * Lets the listed origins frame this plugin's pages: the root's helmet headers (set before any
 * route runs) are narrowed here, on the way out, for this plugin's routes only.
 */
export function allowFraming(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.removeHeader('x-frame-options');
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string') reply.header('content-security-policy', csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${origins.join(' ')}`));
    return payload;
  });
}
