import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Checks `Authorization: Bearer <key>` or `X-Api-Key`; returns the actor name for the audit trail. */
export function requireApiKey(keys: ReadonlyArray<{ name: string; key: string }>, req: FastifyRequest): string {
  const auth = req.headers.authorization;
  const given = (typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-api-key']) ?? '';
  if (typeof given !== 'string' || given === '') throw new AppError('UNAUTHORIZED', 'An API key is required (Authorization: Bearer <key> or X-Api-Key).');
  // Compare digests so neither the length nor the content of a key leaks through timing.
  const g = digest(given);
  const match = keys.find((k) => timingSafeEqual(digest(k.key), g));
  if (!match) throw new AppError('UNAUTHORIZED', 'The API key is not valid.');
  return `api:${match.name}`;
}
