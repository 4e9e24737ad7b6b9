import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, errorStatus, isAppError } from '../errors.js';

/** Maps every error to `{ error: { code, message, details? } }` with the status of its code. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    if (isAppError(err)) {
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    if (err.validation) {
      return reply.code(errorStatus.VALIDATION_FAILED).send({ error: { code: 'VALIDATION_FAILED', message: err.message, details: err.validation } });
    }
    if (err.statusCode === 413) return reply.code(413).send({ error: { code: 'PAYLOAD_TOO_LARGE', message: err.message } });
    if (err.statusCode === 415) return reply.code(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: err.message } });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: err.message } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Internal error; see the server log with this request id.', details: { requestId: req.id } } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `${req.method} ${req.url} is not a route` } });
  });
}
