import type { ClockTime } from '../dunning/calendar/index.js';

/** A daily Europe/Sofia wall-clock window [from, to) in which a channel may send. */
export interface SendWindow {
  from: ClockTime;
  to: ClockTime;
}

export interface ProviderPacing {
  /** Sends started per second (a token bucket holding a tenth of a second's worth). */
  ratePerSecond: number;
  /** Sends in flight at once (requests awaiting the provider's answer). */
  window: number;
}

/**
 * Settings of the delivery worker. Pacing is per worker process: with N processes on one
 * PostgreSQL the provider sees up to N times the rate and window, so divide them by N.
 */
export interface DeliveryConfig {
  /** How long a claimed message belongs to a worker; after that another worker takes it over. */
  leaseSeconds: number;
  /**
   * At most this many messages of one provider claimed and held by a worker at once (fewer when its
   * rate could not send them in half a lease). Claims are topped up as messages finish.
   */
  batchSize: number;
  /** How often an idle worker looks for due messages. */
  pollIntervalMs: number;
  /** First retry after a transient failure; doubled each attempt, with jitter, up to the max. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Transient failures are retried this long after the first attempt; then the fallback takes over. */
  maxRetryAgeMs: number;
  /** Permanent failures to one contact before it is flagged needs_attention. */
  hardFailureThreshold: number;
  /** Per channel, when sending is allowed; null: any time. Outside it a message waits for the next opening. */
  sendWindows: { sms: SendWindow | null; email: SendWindow | null; viber?: SendWindow | null };
  /** Pacing by provider name (Channel.name); providers not listed get `defaultPacing`. */
  pacing: Record<string, ProviderPacing>;
  defaultPacing: ProviderPacing;
  /** Price of one SMS part in euro cents, for the cost of messages whose provider reports none. */
  smsPricePerSegmentMinor: number;
}

export const defaultDeliveryConfig: DeliveryConfig = {
  leaseSeconds: 120,
  batchSize: 1000,
  pollIntervalMs: 1000,
  retryBaseDelayMs: 30_000,
  retryMaxDelayMs: 30 * 60_000,
  maxRetryAgeMs: 6 * 3_600_000,
  hardFailureThreshold: 3,
  sendWindows: { sms: { from: '09:00', to: '20:00' }, email: null, viber: { from: '09:00', to: '20:00' } },
  pacing: { sandbox: { ratePerSecond: 1000, window: 50 } },
  // Real SMSCs take about 100 messages/s per bind (domain notes).
  defaultPacing: { ratePerSecond: 100, window: 10 },
  smsPricePerSegmentMinor: 5,
};
