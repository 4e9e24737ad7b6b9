import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { BrandSettings } from '../config.js';

/** Where the utility's logo is served: the portal, the back office and every email show it from here. */
export const LOGO_PATH = '/brand/logo';

/** The logo, read once at start (BRAND_LOGO_FILE), from memory, with caching headers. */
export function brandRoutes(brand: Pick<BrandSettings, 'logo'>): FastifyPluginAsync {
  const bytes = Buffer.from(brand.logo.base64, 'base64');
  return async (app: FastifyInstance) => {
    app.get(LOGO_PATH, async (req, reply) => {
      reply
        .header('cache-control', 'public, max-age=86400')
        .header('etag', brand.logo.etag)
        // Mail programs shown in a browser load it from their own origin.
        .header('cross-origin-resource-policy', 'cross-origin');
      if (req.headers['if-none-match'] === brand.logo.etag) return reply.code(304).send();
      return reply.type(brand.logo.contentType).send(bytes);
    });
  };
}
