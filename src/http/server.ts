import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Root } from '../app/root.js';
import { trustProxyOption } from './client-ip.js';
import { registerErrorHandler } from './error-handler.js';
import { countRequests } from './metrics.js';
import { registerSecurityHeaders } from './security-headers.js';
import { billingRoutes } from '../billing/routes.js';
import { dunningRoutes } from '../dunning/routes.js';
import { portalRoutes } from '../portal/routes.js';
import { backofficeRoutes } from '../backoffice/routes.js';
import { deliveryRoutes } from '../delivery/routes.js';
import { brandRoutes } from '../brand/routes.js';

/** What the routes get: the composition root (src/app/root.ts). */
export type AppDeps = Root;

/** Builds the whole HTTP application without listening, so tests can drive it with inject(); /metrics is served apart (buildMetricsServer). */
export async function buildServer(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    trustProxy: trustProxyOption(deps.config.http.trustProxy),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
  });
  registerErrorHandler(app);
  countRequests(app, deps);
  // At the root, so the API's answers, 404s and /docs carry them as the pages do.
  await registerSecurityHeaders(app);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await deps.database.pool.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  await app.register(billingRoutes(deps), { prefix: '/api/v1' });
  await app.register(dunningRoutes(deps), { prefix: '/api/v1' });
  await app.register(portalRoutes(deps));
  await app.register(backofficeRoutes(deps));
  await app.register(deliveryRoutes(deps));
  await app.register(brandRoutes(deps.config.brand));
  return app;
}
