import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderPacing } from '../config.js';

export interface Semaphore {
  acquire(): Promise<void>;
  release(): void;
}

/** At most `size` holders at once; waiters are served first come, first served. */
export function semaphore(size: number): Semaphore {
  if (!(size >= 1)) throw new RangeError(`window must be at least 1, got ${size}`);
  let free = size;
  const waiting: Array<() => void> = [];
  return {
    async acquire() {
      if (free > 0 && waiting.length === 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

export interface TokenBucket {
  /** Resolves when the caller may start one send (for SMPP: one submit_sm, that is one SMS part). */
  take(): Promise<void>;
}

export type Wait = (ms: number) => Promise<unknown>;

/**
 * `ratePerSecond` tokens a second, holding at most a tenth of a second's worth (at least one), so
 * any one-second span sees at most 1.1 × the rate. Measured on the monotonic clock: pacing is
 * about real throughput, whatever clock the worker is given.
 */
export function tokenBucket(ratePerSecond: number, clock: () => number = () => performance.now(), wait: Wait = sleep): TokenBucket {
  if (!(ratePerSecond > 0)) throw new RangeError(`rate must be positive, got ${ratePerSecond}`);
  const capacity = Math.max(1, ratePerSecond / 10);
  let tokens = capacity;
  let last = clock();
  let queue: Promise<void> = Promise.resolve();
  const refill = () => {
    const t = clock();
    tokens = Math.min(capacity, tokens + ((t - last) * ratePerSecond) / 1000);
    last = t;
  };
  return {
    take() {
      // Callers queue up, so each waits for its own token in turn.
      const turn = queue.then(async () => {
        refill();
        if (tokens < 1) {
          await wait(Math.ceil(((1 - tokens) * 1000) / ratePerSecond));
          refill();
        }
        tokens = Math.max(0, tokens - 1);
      });
      queue = turn;
      return turn;
    },
  };
}

export interface Pacer {
  window: Semaphore;
  bucket: TokenBucket;
}

export function pacer(p: ProviderPacing): Pacer {
  return { window: semaphore(p.window), bucket: tokenBucket(p.ratePerSecond) };
}
