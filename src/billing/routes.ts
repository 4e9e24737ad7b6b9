import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type { AppDeps } from '../http/server.js';
import { apiActor, apiKeyGate } from '../http/api-key.js';
import { importCsv, importJson } from './import.js';
import { importKindNames, type ImportKindName } from './import-kind.js';
import { importKinds } from './kinds/index.js';
import { recordPayment } from './record-payment.js';

export function billingRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', apiKeyGate(deps.config.apiKeys));
    // CSV bodies are not buffered: the import reads the request stream row by row, so large files
    // go as CSV and JSON keeps the server's modest body limit.
    app.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload));

    app.post<{ Params: { kind: string }; Querystring: { skip_invalid?: string } }>(
      '/import/:kind',
      async (req, reply) => {
        const actor = apiActor(req);
        if (!importKindNames.includes(req.params.kind as ImportKindName)) {
          throw new AppError('NOT_FOUND', `Unknown import kind "${req.params.kind}"; use one of ${importKindNames.join(', ')}.`);
        }
        const kind = importKinds[req.params.kind as ImportKindName];
        const opts = {
          source: `api:${req.id}`,
          actor,
          skipInvalid: req.query.skip_invalid === 'true',
          maxReportedErrors: deps.config.import.maxReportedErrors,
        };
        const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
        let report;
        if (type === 'application/json') {
          if (!Array.isArray(req.body)) throw new AppError('VALIDATION_FAILED', 'The JSON body must be an array of rows.');
          report = await importJson(deps.database, kind, req.body, opts);
        } else if (type === 'text/csv' || type === 'application/csv') {
          report = await importCsv(deps.database, kind, req.body as Readable, opts);
        } else {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send text/csv or application/json.');
        }
        if (!report.committed) {
          throw new AppError('IMPORT_REJECTED', `${report.rejected} bad row(s); nothing was imported.`, report);
        }
        return reply.send(report);
      },
    );

    app.post<{ Body: Record<string, unknown> }>(
      '/payments',
      { schema: { body: { type: 'object' } } },
      async (req, reply) => {
        const actor = apiActor(req);
        const key = req.headers['idempotency-key'];
        if (typeof key !== 'string' || !/^[\w.:-]{8,128}$/.test(key)) {
          throw new AppError('BAD_REQUEST', 'An Idempotency-Key header (8 to 128 letters, digits, _ . : -) is required.');
        }
        const r = await recordPayment(deps.database, req.body, key, actor);
        if (r.replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(r.replayed ? 200 : 201).send(r.payment);
      },
    );
  };
}
