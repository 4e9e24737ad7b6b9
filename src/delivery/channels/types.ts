import type { OutboxMessage } from '../outbox/message.js';
import type { ReceiptInput, ReceiptResult } from '../outbox/receipts.js';
import type { ChannelType } from '../outbox/tables.js';

export type { OutboxMessage } from '../outbox/message.js';
export type { ChannelType } from '../outbox/tables.js';

/** What a provider answered when it accepted a message. */
export interface SendResult {
  /** The provider's ids, one per SMS part when it gives one per part; receipts are matched by them. */
  providerMessageIds: string[];
  segments?: number;
  encoding?: string;
  /** Euro cents; when absent, SMS cost is segments × the configured price per segment. */
  costMinor?: number;
  /** The provider's answer, for the attempt record. */
  answer?: string;
}

/**
 * One provider of one channel. Letters are exported in batches by another command and never go
 * through a Channel. The worker calls start() before its first send and stop() after its last.
 */
export interface Channel {
  /** Provider name: stored on the message and its attempts, and the key of its pacing. */
  name: string;
  channel: Exclude<ChannelType, 'letter'>;
  /** Resolves when the provider accepted the message; rejects with a DeliveryError otherwise. */
  send(msg: OutboxMessage): Promise<SendResult>;
  /**
   * False while the provider cannot be reached (an SMPP session not bound): the worker then claims
   * none of its messages, so they wait without spending retries. Absent: always available.
   */
  available?(): boolean;
  /**
   * Which recipients its lane claims now, as E.164 LIKE patterns: when several providers of one
   * channel share its queue (SMS failover and prefix routing). Absent or {}: every recipient.
   */
  recipients?(): { include?: string[]; exclude?: string[] } | null;
  /**
   * Hands the receipts that come over the provider's own connection (an SMPP bind) to `record`
   * from now on, instead of storing them itself: the worker's journal of this provider, which
   * writes them with the records of its sends. `record` resolves once the receipt is committed.
   */
  receiptsInto?(record: (r: ReceiptInput) => Promise<ReceiptResult>): void;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type DeliveryErrorKind = 'transient' | 'permanent';

/**
 * A failed send, as channel adapters map their own errors onto it. transient: try again later;
 * permanent: this contact will not take it. outcome 'unknown': the request may have reached the
 * provider (a connection lost before the answer), so a retry may duplicate it.
 */
export class DeliveryError extends Error {
  readonly kind: DeliveryErrorKind;
  readonly outcome: 'rejected' | 'unknown';
  readonly retryAfterMs?: number;

  constructor(message: string, opts: { kind: DeliveryErrorKind; outcome?: 'rejected' | 'unknown'; retryAfterMs?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DeliveryError';
    this.kind = opts.kind;
    this.outcome = opts.outcome ?? 'rejected';
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}
