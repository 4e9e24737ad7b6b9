import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../http/server.js';
import { apiRoutes } from './api/routes.js';
import type { PortalDeps } from './deps.js';
import { webRoutes } from './web/routes.js';

/**
 * The customer portal: the web pages (/, /register/…, /manage/…, /dev/outbox in a sandbox), the
 * app's JSON API (/api/v1/self-service/…) and its OpenAPI description (/docs). Register it at the
 * root, without a prefix.
 */
export function portalRoutes(deps: AppDeps, opts: { now?: () => Date } = {}): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const portal: PortalDeps = { db: deps.database.db, config: deps.config, logger: deps.logger, siteVars: deps.siteVars, now: opts.now ?? (() => new Date()) };

    // Collects the routes of this plugin's children; the web pages are untagged and stay out.
    await app.register(swagger, {
      hideUntagged: true,
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'izvestie self-service API',
          version: '1',
          description:
            'Registration, verification and management of unpaid-bill notices for the utility’s mobile app: the same flows and rules as the web portal.',
        },
        servers: [{ url: deps.config.http.publicUrl }],
        tags: [{ name: 'self-service', description: 'Customer self-service' }],
        components: { securitySchemes: { flowToken: { type: 'http', scheme: 'bearer', description: 'The flow_token of POST /identity.' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    await app.register(apiRoutes(portal), { prefix: '/api/v1/self-service' });
    await app.register(webRoutes(portal));
  };
}
