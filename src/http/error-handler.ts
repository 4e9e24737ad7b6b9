import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { UNSTORABLE } from '../db/storable.js';
import { AppError, errorStatus, isAppError } from '../errors.js';

// Deeper than any form or import row; a body nested deeper is refused rather than walked.
const MAX_DEPTH = 32;

// Parsed forms and queries are objects of fast-querystring's own null-prototype class; streams
// (CSV imports) and buffers (signed callbacks) are read by their handlers, which check what they parse.
function isData(v: object): boolean {
  return !ArrayBuffer.isView(v) && typeof (v as { pipe?: unknown }).pipe !== 'function';
}

/** The path of the first string (or key) in v that cannot be stored, or null. */
export function unstorableField(v: unknown, path: string, depth = 0): string | null {
  if (typeof v === 'string') return UNSTORABLE.test(v) ? path : null;
  if (typeof v !== 'object' || v === null || !isData(v)) return null;
  if (depth > MAX_DEPTH) return path;
  for (const [k, x] of Object.entries(v)) {
    const at = `${path}.${k}`;
    if (UNSTORABLE.test(k)) return at;
    const bad = unstorableField(x, at, depth + 1);
    if (bad !== null) return bad;
  }
  return null;
}

/** A 400 that names the field, with the statusCode every error handler (also the pages') reads. */
function badField(field: string): AppError & { statusCode: number } {
  const e = new AppError('BAD_REQUEST', `${field}: съдържа непозволен знак (NUL или невалиден Unicode) / contains a NUL character or invalid Unicode`, { field });
  return Object.assign(e, { statusCode: e.status });
}

// Strings PostgreSQL cannot store are refused at the door, naming the field, before any handler
// has done half its work.
async function refuseUnstorable(req: FastifyRequest): Promise<void> {
  const field = unstorableField(req.params, 'params') ?? unstorableField(req.query, 'query') ?? unstorableField(req.body, 'body');
  if (field !== null) throw badField(field);
}

// The database's own refusals of a character (22021 invalid byte sequence, 22P05 untranslatable
// character: NUL or a bad escape that reached a query some other way) are bad input, not a fault.
const BAD_CHARACTER = new Set(['22021', '22P05']);

/** The client's error behind a database refusal of bad characters, or null. */
export function badInputOf(err: unknown): (AppError & { statusCode: number }) | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !BAD_CHARACTER.has(code)) return null;
  const e = new AppError('BAD_REQUEST', 'Заявката съдържа знак, който не може да бъде записан. / The request contains a character that cannot be stored (NUL or invalid Unicode).');
  return Object.assign(e, { statusCode: e.status });
}

/**
 * Maps every error to `{ error: { code, message, details? } }` with the status of its code, and
 * refuses NUL and lone surrogates in any params, query or body string of every route.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.addHook('preValidation', refuseUnstorable);
  app.setErrorHandler((raw: FastifyError | AppError, req, reply) => {
    const err = badInputOf(raw) ?? raw;
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
