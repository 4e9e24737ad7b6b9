import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers for server-rendered pages and their API: a CSP without any script, inline
 * style or framing (frame-ancestors 'none'), HSTS for a year, no referrer to other sites, nosniff. Every answer
 * is `Cache-Control: no-store` unless its route set its own (static assets): pages and answers
 * carry personal data and must not stay in shared or back/forward caches.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  // buildServer registers them at the root, so the API, 404s and /docs get them too; the plugins'
  // own calls are for when a plugin runs alone (tests) and must not set every header twice.
  if (app.hasReplyDecorator('helmet')) return;
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}
