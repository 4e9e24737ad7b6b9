import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { runDunning } from '../dunning/run.js';
import { isAppError } from '../errors.js';
import { badInputOf } from '../http/error-handler.js';
import type { AppDeps } from '../http/server.js';
import { registerSecurityHeaders } from '../http/security-headers.js';
import type { BackofficeDeps } from './deps.js';
import { accountRoutes } from './web/account-pages.js';
import { assetRoutes } from './web/assets.js';
import { auditRoutes } from './web/audit-page.js';
import { BASE, contextOf } from './web/context.js';
import { counterRoutes } from './web/counter-pages.js';
import { customerRoutes } from './web/customer-pages.js';
import { dashboardRoutes } from './web/dashboard-page.js';
import { holdRoutes } from './web/hold-pages.js';
import { homeRoutes } from './web/home-page.js';
import { loginRoutes } from './web/login-pages.js';
import { policyRoutes } from './web/policy-pages.js';
import { providerRoutes } from './web/provider-page.js';
import { runRoutes, type DryRun } from './web/run-pages.js';
import { dispatch, messagePage, type BackofficeRoute } from './web/route.js';
import { templateRoutes } from './web/template-pages.js';
import { userRoutes } from './web/user-pages.js';

/** Every route of the back office, with who may use it. The authorisation test walks this list. */
export function routeTable(o: { dryRun: DryRun }): readonly BackofficeRoute[] {
  return [
    ...assetRoutes,
    ...loginRoutes,
    ...homeRoutes,
    ...accountRoutes,
    ...customerRoutes,
    ...counterRoutes,
    ...holdRoutes,
    ...policyRoutes,
    ...templateRoutes,
    ...runRoutes(o.dryRun),
    ...dashboardRoutes,
    ...userRoutes,
    ...providerRoutes,
    ...auditRoutes,
  ];
}

/**
 * The back office under /backoffice: server-rendered pages for customer-centre staff. Register it
 * at the root (it adds its own prefix).
 */
export function backofficeRoutes(app: AppDeps, opts: { now?: () => Date; dryRun?: DryRun } = {}): FastifyPluginAsync {
  const deps: BackofficeDeps = { db: app.database.db, root: app, database: app.database, config: app.config, logger: app.logger, now: opts.now ?? (() => new Date()) };
  // The dunning engineer's run, in a transaction it rolls back: exactly what today's run would do.
  const dryRun: DryRun =
    opts.dryRun ??
    (async (date) => {
      const r = await runDunning(deps.db, { date, trigger: 'api', actor: 'backoffice', render: app.render, smsPricePerSegmentMinor: app.config.delivery.smsPricePerSegmentMinor, dryRun: true });
      return { plannedNotices: r.noticesCreated, figures: r.stages };
    });
  const plugin: FastifyPluginAsync = async (f: FastifyInstance) => {
    await f.register(cookie);
    await f.register(formbody, { bodyLimit: 256 * 1024 });
    await registerSecurityHeaders(f);

    // A route added any other way than through the table would escape the access check.
    f.addHook('onRoute', (r) => {
      if ((r.config as { backoffice?: boolean } | undefined)?.backoffice !== true) throw new Error(`back-office route ${r.method} ${r.url} is not in routeTable`);
    });

    f.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      const c = contextOf(req, reply, deps);
      const bad = badInputOf(err);
      if (bad) return messagePage(c, bad.status, c.t('Неправилна заявка', 'Bad request'), bad.message);
      if (isAppError(err) && err.status < 500) return messagePage(c, err.status, c.t('Заявката не може да бъде изпълнена', 'The request cannot be done'), err.message);
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return messagePage(c, 400, c.t('Неправилна заявка', 'Bad request'), c.t('Проверете въведеното.', 'Check what you entered.'));
      req.log.error({ err }, 'back-office page failed');
      return messagePage(c, 500, c.t('Възникна проблем', 'Sorry, there is a problem'), c.t(`Опитайте отново. Номер на заявката: ${req.id}`, `Please try again. Request id: ${req.id}`));
    });
    f.setNotFoundHandler((req, reply) => {
      const c = contextOf(req, reply, deps);
      return messagePage(c, 404, c.t('Страницата не е намерена', 'Page not found'), c.t('Проверете адреса.', 'Check the address.'));
    });

    for (const route of routeTable({ dryRun })) {
      f.route({
        method: route.method,
        url: route.url.slice(BASE.length) || '/',
        config: { backoffice: true },
        handler: (req, reply) => dispatch(route, contextOf(req, reply, deps)),
      });
    }
  };
  return async (root: FastifyInstance) => {
    await root.register(plugin, { prefix: BASE });
  };
}
