import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.js';

type Keys = ReadonlyArray<{ name: string; key: string }>;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Checks `Authorization: Bearer <key>` or `X-Api-Key`; returns the actor name for the audit trail. */
function requireApiKey(keys: Keys, req: FastifyRequest): string {
  const auth = req.headers.authorization;
  const given = (typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-api-key']) ?? '';
  if (typeof given !== 'string' || given === '') throw new AppError('UNAUTHORIZED', 'An API key is required (Authorization: Bearer <key> or X-Api-Key).');
  // Compare digests so neither the length nor the content of a key leaks through timing.
  const g = digest(given);
  const match = keys.find((k) => timingSafeEqual(digest(k.key), g));
  if (!match) throw new AppError('UNAUTHORIZED', 'The API key is not valid.');
  return `api:${match.name}`;
}

const actors = new WeakMap<FastifyRequest, string>();

/**
 * An onRequest hook: the key is checked before the body is read, so a request without one costs
 * neither the upload nor its parsing. A refusal closes the connection, so the client stops sending
 * instead of the server reading the rest of a large body only to throw it away.
 */
export function apiKeyGate(keys: Keys): onRequestAsyncHookHandler {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      actors.set(req, requireApiKey(keys, req));
    } catch (e) {
      reply.header('connection', 'close');
      throw e;
    }
  };
}

/** The actor `apiKeyGate` found for this request. */
export function apiActor(req: FastifyRequest): string {
  const actor = actors.get(req);
  if (actor === undefined) throw new Error(`${req.method} ${req.routeOptions.url ?? req.url} has no apiKeyGate`);
  return actor;
}
