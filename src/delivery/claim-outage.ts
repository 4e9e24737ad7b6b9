import type { Logger } from '../log.js';
import { backoffDelay } from './smpp/backoff.js';

// Capped low: a database back from a restart or a failover is used again within seconds.
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2000;

/**
 * Rounds of claiming that fail in a row (the database restarting, failing over, unreachable): the
 * first is logged as an error, the rest quietly, each waited for with capped back-off, and the
 * end of it logged with how long it lasted.
 */
export function claimOutage(log: Logger, random: () => number = Math.random) {
  let failures = 0;
  let since = 0;
  return {
    /** How long to wait before the next round. */
    failed(err: unknown): number {
      if (failures === 0) {
        since = performance.now();
        log.error({ err }, 'claiming failed (is the database reachable?): nothing is claimed until it answers; trying again with back-off');
      } else {
        log.debug({ err, failures: failures + 1 }, 'claiming failed again');
      }
      return backoffDelay(failures++, RETRY_MIN_MS, RETRY_MAX_MS, random);
    },
    succeeded(): void {
      if (failures === 0) return;
      log.warn({ failures, downMs: Math.round(performance.now() - since) }, 'claiming works again: sending resumes');
      failures = 0;
    },
  };
}
