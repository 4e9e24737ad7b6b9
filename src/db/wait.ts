import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import type { Logger } from '../log.js';

// Socket errors of a server that is down, restarting or being failed over, and SQLSTATEs of a server
// that is starting up or shutting down (class 57P0x) or of a lost connection (class 08): worth
// waiting for. Anything else (a wrong password, no such database) will not mend itself.
const UNREACHABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE_ERRNO.has(code) || code.startsWith('57P0') || code.startsWith('08'))) return true;
  if (err instanceof AggregateError) return err.errors.some(isUnreachable);
  return /Connection terminated|timeout expired/i.test(err.message);
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;

/** Where the server is, for log lines: the URL without its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

async function answers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A server going away between connect and end would otherwise emit an unhandled 'error'.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Waits until PostgreSQL answers, retrying with capped back-off, for at most `waitSeconds`: a
 * process started with (or just before) its database, or during a failover, starts when it can
 * instead of exiting at once. Errors that waiting cannot mend are thrown at once. Embedded PGlite
 * needs no waiting.
 */
export async function waitForDatabase(config: DatabaseConfig, waitSeconds: number, logger: Logger): Promise<void> {
  if (config.kind !== 'postgres') return;
  const started = performance.now();
  const deadline = started + waitSeconds * 1000;
  let delay = FIRST_RETRY_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await answers(config.url);
      if (attempt > 0) logger.info({ database: where(config.url), waitedMs: Math.round(performance.now() - started) }, 'PostgreSQL answers: starting');
      return;
    } catch (err) {
      if (!isUnreachable(err) || waitSeconds === 0) throw err;
      if (performance.now() + delay > deadline) {
        throw new Error(`PostgreSQL at ${where(config.url)} did not answer within ${waitSeconds} s (DATABASE_WAIT_SECONDS): ${(err as Error).message}`, { cause: err });
      }
      if (attempt === 0) {
        logger.warn({ database: where(config.url), error: (err as Error).message, waitSeconds }, `PostgreSQL at ${where(config.url)} is not reachable: waiting for it, up to ${waitSeconds} s (DATABASE_WAIT_SECONDS)`);
      }
      await sleep(delay);
      delay = Math.min(MAX_RETRY_MS, delay * 2);
    }
  }
}
