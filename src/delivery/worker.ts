import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { nextWindowOpen, withinDailyWindow } from '../dunning/calendar/index.js';
import { silentLogger, type Logger } from '../log.js';
import { DeliveryError, type Channel, type SendResult } from './channels/types.js';
import type { DeliveryConfig } from './config.js';
import { guards as registeredGuards, whyNotWanted, type GuardMap } from './guards.js';
import { claimBatch, deferUntilOpen, reclaimExpiredLeases } from './outbox/claim.js';
import type { FailureContext } from './outbox/fallback.js';
import { toMessage, type OutboxMessage, type OutboxRow, type Renderer } from './outbox/message.js';
import { pacer, type Pacer } from './outbox/pacing.js';
import { groupCommit } from './outbox/group-commit.js';
import { markFailed, markRetry, markSent, settleUnsent, startAttempts, type AttemptStart, type SentRecord, type Unsent } from './outbox/record.js';
import type { AttemptOutcome, MessageStatus } from './outbox/tables.js';
import { countSms } from './text/segments.js';

export interface WorkerOptions {
  db: Kysely<DB>;
  /** At most one provider per channel; channels without one are not claimed (letters never are). */
  channels: readonly Channel[];
  config: DeliveryConfig;
  /** Renders texts of messages enqueued without them, and of fallback messages. */
  render: Renderer;
  /** Guards by message kind; default: the ones registered with registerGuard. */
  guards?: GuardMap;
  /** The clock for due times, quiet hours, leases and timestamps (tests move it). */
  now?: () => Date;
  logger?: Logger;
  workerId?: string;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

interface Lane {
  channel: Channel;
  pacer: Pacer;
  /** Claimed by this worker and not finished. */
  held: number;
  maxHeld: number;
  startAttempt: (a: AttemptStart) => Promise<number | null>;
  markSent: (s: SentRecord) => Promise<MessageStatus | 'lost'>;
}

// Each record waits for a commit, that is for the disk: under load, the attempts started (and the
// sends accepted) meanwhile share the next one.
const GROUP_COMMIT = { maxBatch: 100, concurrency: 2 };

/**
 * Sends due outbox messages: claims them in batches under a lease, checks right before each send
 * that it is still wanted and inside its channel's hours, paces each provider, and records every
 * attempt. Any number of workers (in one process or many) can share one database.
 */
export class Worker {
  readonly id: string;
  private readonly lanes: Lane[];
  private readonly guards: GuardMap;
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly failure: FailureContext;
  private readonly heldIds = new Set<number>();
  private readonly tasks = new Set<Promise<void>>();
  private running: Promise<void> | null = null;
  private stopping = false;
  private channelsStarted = false;
  private signalled = false;
  private wake: (() => void) | null = null;
  private lastReclaim = -Infinity;

  constructor(private readonly o: WorkerOptions) {
    this.id = o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.guards = o.guards ?? registeredGuards;
    this.now = o.now ?? (() => new Date());
    this.log = (o.logger ?? silentLogger).child({ worker: this.id });
    this.failure = { render: o.render, hardFailureThreshold: o.config.hardFailureThreshold };
    const seen = new Set<string>();
    this.lanes = o.channels.map((channel) => {
      if (seen.has(channel.channel)) throw new Error(`more than one provider for ${channel.channel}`);
      seen.add(channel.channel);
      const pacing = o.config.pacing[channel.name] ?? o.config.defaultPacing;
      // Claim no more than can be sent in half a lease, so held messages do not lose their lease.
      const maxHeld = Math.min(o.config.batchSize, Math.max(1, Math.floor((pacing.ratePerSecond * o.config.leaseSeconds) / 2)));
      const provider = { provider: channel.name, leaseSeconds: o.config.leaseSeconds };
      return {
        channel,
        pacer: pacer(pacing),
        held: 0,
        maxHeld,
        startAttempt: groupCommit((items: AttemptStart[]) => startAttempts(o.db, provider, items), GROUP_COMMIT),
        markSent: groupCommit((items: SentRecord[]) => markSent(o.db, channel.name, items, this.failure), GROUP_COMMIT),
      };
    });
  }

  /** Starts the channels and works until stop(). */
  async start(): Promise<void> {
    if (this.running) throw new Error('worker is already running');
    await this.startChannels();
    this.stopping = false;
    this.running = this.run(false);
  }

  /** Works until nothing is due and nothing is in flight, then resolves (the channels stay started). */
  async drain(): Promise<void> {
    if (this.running) throw new Error('worker is already running');
    await this.startChannels();
    this.stopping = false;
    this.running = this.run(true);
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  /** Stops claiming, finishes the sends in flight, returns unsent claimed messages to the queue, stops the channels. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.running?.catch(() => undefined);
    this.running = null;
    await Promise.allSettled([...this.tasks]);
    if (this.channelsStarted) {
      this.channelsStarted = false;
      await Promise.all(this.lanes.map((l) => l.channel.stop?.()));
    }
  }

  private async startChannels(): Promise<void> {
    if (this.channelsStarted) return;
    await Promise.all(this.lanes.map((l) => l.channel.start?.()));
    this.channelsStarted = true;
  }

  private async run(untilIdle: boolean): Promise<void> {
    try {
      while (!this.stopping) {
        let more = false;
        try {
          const now = this.now();
          if (performance.now() - this.lastReclaim >= this.o.config.pollIntervalMs) {
            this.lastReclaim = performance.now();
            const r = await reclaimExpiredLeases(this.o.db, now);
            if (r.reclaimed > 0) this.log.warn(r, 'took over messages whose lease expired');
          }
          for (const lane of this.lanes) more = (await this.fill(lane, now)) || more;
        } catch (err) {
          if (untilIdle) throw err;
          this.log.error({ err }, 'claiming failed; trying again');
          await this.pause(this.o.config.pollIntervalMs);
          continue;
        }
        if (more) continue;
        if (this.tasks.size === 0 && untilIdle) return;
        // Woken early when a message finishes (room for more, or a fallback to send).
        await this.pause(this.o.config.pollIntervalMs);
      }
    } finally {
      await Promise.allSettled([...this.tasks]);
    }
  }

  /** Claims for one lane once it is half empty; true when it got all it asked for, so more may be due. */
  private async fill(lane: Lane, now: Date): Promise<boolean> {
    if (lane.held > lane.maxHeld / 2) return false;
    const room = lane.maxHeld - lane.held;
    const type = lane.channel.channel;
    const window = this.o.config.sendWindows[type];
    const open = window === null || withinDailyWindow(now, window.from, window.to);
    if (window !== null && !open) await deferUntilOpen(this.o.db, type, nextWindowOpen(now, window.from, window.to), now);
    const rows = await claimBatch(this.o.db, { channel: type, limit: room, workerId: this.id, now, leaseSeconds: this.o.config.leaseSeconds, urgentOnly: !open });
    // A message re-claimed after its lease ran out while this worker still held it: the first copy sends it.
    for (const row of rows) if (!this.heldIds.has(row.id)) this.spawn(lane, row);
    return rows.length === room;
  }

  private spawn(lane: Lane, row: OutboxRow): void {
    lane.held++;
    this.heldIds.add(row.id);
    const task: Promise<void> = this.process(lane, row)
      .catch((err: unknown) => this.log.error({ err, messageId: row.id }, 'recording a message failed; it is retried when its lease expires'))
      .finally(() => {
        lane.held--;
        this.heldIds.delete(row.id);
        this.tasks.delete(task);
        this.notify();
      });
    this.tasks.add(task);
  }

  private ref(messageId: number) {
    return { messageId, workerId: this.id, now: this.now() };
  }

  private async process(lane: Lane, row: OutboxRow): Promise<void> {
    const { db } = this.o;
    let msg: OutboxMessage;
    try {
      msg = toMessage(row, this.o.render);
    } catch (e) {
      const error = `cannot render: ${(e as Error).message}`;
      await markFailed(db, { ...this.ref(row.id), attemptId: null, outcome: 'permanent', error, hardFailure: false }, this.failure);
      return;
    }
    const slot = lane.pacer.window;
    await slot.acquire();
    // Held until the outcome is recorded: a worker that dies leaves at most `window` messages
    // that may have gone without a record, so a take-over resends at most that many twice.
    try {
      const unsent = this.stopping ? { status: 'queued' as const } : await this.vet(msg);
      if (unsent) return await settleUnsent(db, { ...this.ref(msg.id), outcome: unsent });
      await lane.pacer.bucket.take();
      if (this.stopping) return await settleUnsent(db, { ...this.ref(msg.id), outcome: { status: 'queued' } });
      const started = this.now();
      const attemptId = await lane.startAttempt({ messageId: msg.id, workerId: this.id, now: started, msg });
      if (attemptId === null) return;
      let result: SendResult | null = null;
      let error: unknown = null;
      try {
        result = await lane.channel.send(msg);
      } catch (e) {
        error = e;
      }
      if (result) await this.recordSent(lane, msg, attemptId, result);
      else await this.recordFailure(msg, attemptId, error, msg.firstAttemptAt ?? started);
    } finally {
      slot.release();
    }
  }

  /** Why a claimed message must not go now: expired, quiet hours, or no longer wanted. */
  private async vet(msg: OutboxMessage): Promise<Unsent | null> {
    const now = this.now();
    if (msg.expiresAt !== null && msg.expiresAt.getTime() <= now.getTime()) return { status: 'expired' };
    const window = msg.channel === 'letter' ? null : this.o.config.sendWindows[msg.channel];
    if (window && !msg.urgent && !withinDailyWindow(now, window.from, window.to)) {
      return { status: 'queued', notBefore: nextWindowOpen(now, window.from, window.to) };
    }
    const reason = await whyNotWanted(this.o.db, msg, this.guards);
    return reason === null ? null : { status: 'cancelled', reason };
  }

  private async recordSent(lane: Lane, msg: OutboxMessage, attemptId: number, result: SendResult): Promise<void> {
    let filled = result;
    if (msg.channel === 'sms' && result.segments === undefined) {
      const c = countSms(msg.body);
      filled = { ...result, segments: c.segments, encoding: c.encoding };
    }
    const costMinor = filled.costMinor ?? (msg.channel === 'sms' && filled.segments !== undefined ? filled.segments * this.o.config.smsPricePerSegmentMinor : null);
    const status = await lane.markSent({ ...this.ref(msg.id), attemptId, result: filled, costMinor });
    if (status === 'lost') this.log.warn({ messageId: msg.id }, 'sent after another worker took the message over: it may be sent twice');
  }

  private async recordFailure(msg: OutboxMessage, attemptId: number, error: unknown, firstAttemptAt: Date): Promise<void> {
    const { db, config } = this.o;
    const ref = this.ref(msg.id);
    const d = error instanceof DeliveryError ? error : null;
    const text = error instanceof Error ? error.message : String(error);
    // Anything but a DeliveryError is a fault of ours or the adapter's: the request may have left.
    const outcome: AttemptOutcome = d === null || d.outcome === 'unknown' ? 'unknown' : d.kind;
    if (d !== null && d.kind === 'permanent') {
      await markFailed(db, { ...ref, attemptId, outcome, error: text, hardFailure: true }, this.failure);
      return;
    }
    if (ref.now.getTime() - firstAttemptAt.getTime() >= config.maxRetryAgeMs) {
      const error = `${text} (retried since ${firstAttemptAt.toISOString()}, giving up)`;
      await markFailed(db, { ...ref, attemptId, outcome, error, hardFailure: false }, this.failure);
      return;
    }
    const exp = Math.min(config.retryMaxDelayMs, config.retryBaseDelayMs * 2 ** msg.attempts);
    const delay = Math.max(exp / 2 + (this.o.random ?? Math.random)() * (exp / 2), d?.retryAfterMs ?? 0);
    await markRetry(db, { ...ref, attemptId, outcome, error: text, notBefore: new Date(ref.now.getTime() + delay) });
  }

  private pause(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.signalled = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private notify(): void {
    this.signalled = true;
    this.wake?.();
  }
}
