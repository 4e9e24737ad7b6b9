import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { AppError } from '../errors.js';
import { apiActor, apiKeyGate } from '../http/api-key.js';
import type { AppDeps } from '../http/server.js';
import { isLocalDate, sofiaDate } from './calendar/index.js';
import { exportDisconnections } from './disconnections.js';
import { effectivenessReport } from './effectiveness.js';

/** Register with the prefix /api/v1: the disconnection list (CSV) and the effectiveness report (JSON). */
export function dunningRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', apiKeyGate(deps.config.apiKeys));
    app.get<{ Querystring: { date?: string } }>('/disconnections', async (req, reply) => {
      const actor = apiActor(req);
      const date = req.query.date ?? sofiaDate(new Date());
      if (!isLocalDate(date)) throw new AppError('VALIDATION_FAILED', `date: not a date YYYY-MM-DD: ${JSON.stringify(date)}`);
      const { csv, count } = await exportDisconnections(deps.database.db, date, actor);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="disconnections-${date}.csv"`)
        .header('x-total-count', String(count))
        .send(csv);
    });

    app.get<{ Querystring: { month?: string; days?: string } }>('/reports/effectiveness', async (req) => {
      const month = req.query.month ?? sofiaDate(new Date()).slice(0, 7);
      const days = req.query.days === undefined ? 7 : Number(req.query.days);
      return effectivenessReport(deps.database.db, month, days);
    });
  };
}
