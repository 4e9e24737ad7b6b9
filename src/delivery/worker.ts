import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { nextWindowOpen, withinDailyWindow } from '../dunning/calendar/index.js';
import { silentLogger, type Logger } from '../log.js';
import { DeliveryError, type Channel, type SendResult } from './channels/types.js';
import type { DeliveryConfig } from './config.js';
import { whyNotWantedMany, type GuardMap } from './guards.js';
import { claimBatch, deferUntilOpen, reclaimExpiredLeases, releaseLeases } from './outbox/claim.js';
import type { FailureContext } from './outbox/fallback.js';
import { toMessage, type OutboxMessage, type OutboxRow, type Renderer } from './outbox/message.js';
import { pacer, type Pacer } from './outbox/pacing.js';
import { groupCommit } from './outbox/group-commit.js';
import { markFailed, markRetry, settleUnsent, startAttempts, writeJournal, type AttemptStart, type JournalEntry, type JournalResult, type Unsent } from './outbox/record.js';
import type { ReceiptResult } from './outbox/receipts.js';
import type { AttemptOutcome } from './outbox/tables.js';
import { countSms } from './text/segments.js';
import { claimOutage } from './claim-outage.js';
import { wakeup } from './wakeup.js';

export interface WorkerOptions {
  db: Kysely<DB>;
  /** At most one provider per channel; channels without one are not claimed (letters never are). */
  channels: readonly Channel[];
  config: DeliveryConfig;
  /** Renders texts of messages enqueued without them, and of fallback messages. */
  render: Renderer;
  /** Asked right before sending, by message kind (the composition root's one map). */
  guards: GuardMap;
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
  /** Its last claim found nothing due: not asked again before this (performance.now()), unless forced. */
  dryUntil: number;
  /** When its queue was last looked through for messages past their retry age (provider down). */
  sweptAt: number;
  /** The journal of sends accepted and of the receipts of the provider's own bind: see JOURNAL. */
  record: (e: JournalEntry) => Promise<JournalResult>;
  /** The attempts starting: see JOURNAL. */
  start: (s: AttemptStart) => Promise<number | null>;
}

// Each record waits for a commit, that is for the disk: under load, the sends accepted and the
// receipts that came meanwhile share the next one (writeJournal), and so do the attempts starting
// (startAttempts, one statement). Two journals, one write at a time each: the starts do not wait
// behind the heavier writes of sends and receipts, which measured 20-30% more messages a second
// than one journal of all three (BENCHMARKS.md, receipts). A send holds its window slot until its
// record is committed, so the attempts open in the database stay within the window. Two writes of
// sends at once wait for each other's locks: measured slower.
const JOURNAL = { maxBatch: 500, concurrency: 1, inOrder: true };
// The same for the guards: the messages about to be sent at the same moment are asked about together.
const GROUP_VET = { maxBatch: 500, concurrency: 2 };
// A message's guard verdict is used for its send only while younger than this; a message that waited
// longer for its window slot and its token (a slow provider, a low rate) is asked about again.
const VERDICT_FRESH_MS = 1000;
const HELD_PER_SLOT = 10;
// While a provider is down its messages are not claimed; this often its queue is looked through for
// those past their retry age, which then go to their next channel as a failed send would.
const SWEEP_MS = 5000;

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
  /** Claimed again while this worker still held them (see take): each goes once its first copy is done. */
  private readonly reclaimed = new Map<number, () => void>();
  private readonly tasks = new Set<Promise<void>>();
  private running: Promise<void> | null = null;
  private stopping = false;
  private channelsStarted = false;
  /** The loop's sleep, cut short when a message finishes (room for more, or a fallback to send). */
  private readonly wakeup = wakeup();
  private lastReclaim = -Infinity;
  private readonly outage: ReturnType<typeof claimOutage>;
  /** Claimed messages whose record failed: back to the queue as soon as the database answers. */
  private readonly orphans = new Set<number>();
  /** Why each message is no longer wanted (null: still wanted), asked for groups of messages. */
  private readonly unwanted: (msg: OutboxMessage) => Promise<string | null>;

  constructor(private readonly o: WorkerOptions) {
    this.id = o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.guards = o.guards;
    this.now = o.now ?? (() => new Date());
    this.log = (o.logger ?? silentLogger).child({ worker: this.id });
    this.outage = claimOutage(this.log, o.random);
    this.failure = { render: o.render, hardFailureThreshold: o.config.hardFailureThreshold };
    this.unwanted = groupCommit(async (msgs: OutboxMessage[]) => {
      const reasons = await whyNotWantedMany(o.db, msgs, this.guards);
      return msgs.map((m) => reasons.get(m.id) ?? null);
    }, GROUP_VET);
    const seen = new Set<string>();
    this.lanes = o.channels.map((channel) => {
      // Several providers of one channel share its queue only when each claims its own share (recipients()).
      if (seen.has(channel.channel) && channel.recipients === undefined) throw new Error(`more than one provider for ${channel.channel}`);
      seen.add(channel.channel);
      const pacing = o.config.pacing[channel.name] ?? o.config.defaultPacing;
      // Claim no more than can be sent in half a lease, so held messages do not lose their lease, and
      // no more than HELD_PER_SLOT rounds of the window, so a claimed message waits for its slot
      // about as long as ten sends take: its guard verdict from the claim is then mostly still fresh
      // at the send (a stale one is asked again, in small groups, as slots free one by one).
      const maxHeld = Math.min(o.config.batchSize, HELD_PER_SLOT * pacing.window, Math.max(1, Math.floor((pacing.ratePerSecond * o.config.leaseSeconds) / 2)));
      const provider = { provider: channel.name, leaseSeconds: o.config.leaseSeconds };
      const record = groupCommit((entries: JournalEntry[]) => writeJournal(o.db, { provider: channel.name, ctx: this.failure }, entries), JOURNAL);
      // The receipts of the provider's own bind go in the journal's writes (see writeJournal).
      channel.receiptsInto?.((receipt) => record({ receipt }) as Promise<ReceiptResult>);
      const start = groupCommit((items: AttemptStart[]) => startAttempts(o.db, provider, items), JOURNAL);
      return { channel, pacer: pacer(pacing), held: 0, maxHeld, dryUntil: 0, sweptAt: -Infinity, record, start };
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
    this.wakeup.signal();
    await this.running?.catch(() => undefined);
    this.running = null;
    await this.settleTasks();
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
    // A round that also asks the lanes that found nothing lately, before a drain calls it done.
    let everyLane = false;
    try {
      while (!this.stopping) {
        let more = false;
        try {
          const now = this.now();
          if (this.orphans.size > 0) await this.releaseOrphans(now);
          if (performance.now() - this.lastReclaim >= this.o.config.pollIntervalMs) {
            this.lastReclaim = performance.now();
            const r = await reclaimExpiredLeases(this.o.db, now);
            if (r.reclaimed > 0) this.log.warn(r, 'took over messages whose lease expired');
          }
          for (const lane of this.lanes) more = (await this.fill(lane, now, everyLane)) || more;
          this.outage.succeeded();
        } catch (err) {
          if (untilIdle) throw err;
          // Messages finishing meanwhile would wake the loop (room to claim): only stop() cuts this short.
          const until = performance.now() + this.outage.failed(err);
          while (!this.stopping && performance.now() < until) await this.wakeup.sleep(until - performance.now());
          continue;
        }
        if (more) {
          everyLane = false;
          continue;
        }
        if (this.tasks.size === 0 && untilIdle) {
          if (everyLane) return;
          everyLane = true;
          continue;
        }
        everyLane = false;
        await this.wakeup.sleep(this.o.config.pollIntervalMs);
      }
    } finally {
      await this.settleTasks();
    }
  }

  /** Waits for every task, also those a finishing task started (a re-claimed message's turn). */
  private async settleTasks(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  /**
   * Messages whose record failed go back to the queue (an attempt left open is closed as 'unknown',
   * as a take-over would). One this worker claimed again meanwhile (its lease ran out) is its own again.
   */
  private async releaseOrphans(now: Date): Promise<void> {
    const ids = [...this.orphans].filter((id) => !this.heldIds.has(id));
    for (const id of this.orphans) if (this.heldIds.has(id)) this.orphans.delete(id);
    const r = await releaseLeases(this.o.db, { ids, workerId: this.id, now });
    for (const id of ids) this.orphans.delete(id);
    if (r.reclaimed > 0) this.log.warn(r, 'messages whose record had failed are back in the queue');
  }

  /**
   * Claims for one lane once a quarter of it is empty (early enough that the claim and its guard
   * query are done before the window runs dry); true when it got all it asked for, so more may be due.
   */
  private async fill(lane: Lane, now: Date, force: boolean): Promise<boolean> {
    if (lane.held > (lane.maxHeld * 3) / 4) return false;
    // A lane that found nothing due is asked again after the poll interval, not each time a
    // message of another lane finishes (a claim query per message sent elsewhere); a failure (its
    // fallback may be due) ends the wait.
    if (!force && performance.now() < lane.dryUntil) return false;
    const room = lane.maxHeld - lane.held;
    const type = lane.channel.channel;
    const window = this.o.config.sendWindows[type] ?? null;
    const open = window === null || withinDailyWindow(now, window.from, window.to);
    if (window !== null && !open) await deferUntilOpen(this.o.db, type, nextWindowOpen(now, window.from, window.to), now);
    if (lane.channel.available?.() === false) {
      // A provider in standby while another of its channel sends gives nothing up.
      if (!this.lanes.some((l) => l.channel.channel === type && l.channel.available?.() !== false)) await this.sweep(lane, now);
      return false;
    }
    const recipients = lane.channel.recipients?.() ?? null;
    const rows = await claimBatch(this.o.db, { channel: type, limit: room, workerId: this.id, now, leaseSeconds: this.o.config.leaseSeconds, urgentOnly: !open, recipients });
    for (const row of rows) this.take(lane, row);
    lane.dryUntil = rows.length === 0 ? performance.now() + this.o.config.pollIntervalMs * 0.9 : 0;
    return rows.length === room;
  }

  /**
   * The provider of the lane is down: its messages past their retry age (counted from the first
   * attempt, or from when they fell due if never tried) are claimed only to fail them over.
   */
  private async sweep(lane: Lane, now: Date): Promise<void> {
    if (performance.now() - lane.sweptAt < SWEEP_MS) return;
    lane.sweptAt = performance.now();
    const room = lane.maxHeld - lane.held;
    const waitingSince = new Date(now.getTime() - this.o.config.maxRetryAgeMs);
    const rows = await claimBatch(this.o.db, { channel: lane.channel.channel, limit: room, workerId: this.id, now, leaseSeconds: this.o.config.leaseSeconds, urgentOnly: false, waitingSince });
    for (const row of rows) this.take(lane, row, (r) => this.giveUp(lane, r));
    if (rows.length === room) lane.sweptAt = -Infinity;
  }

  /**
   * Works on a claimed message. One this worker still holds was claimed again before its first copy
   * let go of it: that copy has just put it back in the queue (a retry, due at once when its
   * provider went down) and is finishing, or the lease ran out while it was still at work. Dropping
   * the claim would leave the message leased to nobody until the lease ran out again; it goes once
   * the first copy is done instead, and the attempt's lease check stops it if that copy sent it.
   */
  private take(lane: Lane, row: OutboxRow, work?: (row: OutboxRow) => Promise<void>): void {
    if (this.heldIds.has(row.id)) this.reclaimed.set(row.id, () => this.spawn(lane, row, work));
    else this.spawn(lane, row, work);
  }

  private spawn(lane: Lane, row: OutboxRow, work: (row: OutboxRow) => Promise<void> = (r) => this.process(lane, r)): void {
    lane.held++;
    this.heldIds.add(row.id);
    const task: Promise<void> = work(row)
      .catch((err: unknown) => {
        // Mostly the database gone away: logged once for all the messages it strands.
        if (this.orphans.size === 0) this.log.error({ err, messageId: row.id }, 'recording a message failed; it goes back to the queue once the database answers');
        else this.log.debug({ err, messageId: row.id }, 'recording a message failed');
        this.orphans.add(row.id);
      })
      .finally(() => {
        lane.held--;
        this.heldIds.delete(row.id);
        this.tasks.delete(task);
        const next = this.reclaimed.get(row.id);
        this.reclaimed.delete(row.id);
        next?.();
        this.wakeup.signal();
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
      await this.fail({ ...this.ref(row.id), attemptId: null, outcome: 'permanent', error, hardFailure: false });
      return;
    }
    // Still wanted? Asked as soon as the message is claimed, together with the rest of its claim
    // (one guard query for the batch, not one per message), and asked again below, just before
    // the send, if the answer is older than VERDICT_FRESH_MS by then.
    const asked = performance.now();
    const early = this.stopping ? { status: 'queued' as const } : await this.vet(msg, true);
    if (early) return await settleUnsent(db, { ...this.ref(msg.id), outcome: early });
    const slot = lane.pacer.window;
    await slot.acquire();
    // Held from before the attempt is recorded until its outcome is. A worker that dies therefore
    // leaves at most `window` attempts open, that may have gone without a record, so a take-over
    // resends at most that many twice.
    try {
      // Stopping, or the provider went down while the message waited: back in the queue, no attempt spent.
      if (this.mustWait(lane)) return await settleUnsent(db, { ...this.ref(msg.id), outcome: { status: 'queued' } });
      await lane.pacer.bucket.take();
      if (this.mustWait(lane)) return await settleUnsent(db, { ...this.ref(msg.id), outcome: { status: 'queued' } });
      const unsent = await this.vet(msg, performance.now() - asked > VERDICT_FRESH_MS);
      if (unsent) return await settleUnsent(db, { ...this.ref(msg.id), outcome: unsent });
      const started = this.now();
      const attemptId = await lane.start({ messageId: msg.id, workerId: this.id, now: started, msg });
      if (attemptId === null) return;
      let result: SendResult | null = null;
      let error: unknown = null;
      try {
        result = await lane.channel.send(msg);
      } catch (e) {
        error = e;
      }
      if (result) await this.recordSent(lane, msg, attemptId, result);
      else await this.recordFailure(lane, msg, attemptId, error, msg.firstAttemptAt ?? started);
    } finally {
      slot.release();
    }
  }

  private mustWait(lane: Lane): boolean {
    return this.stopping || lane.channel.available?.() === false;
  }

  /** A message past its retry age while its provider is down: fails over like a failed send, unless no longer wanted. */
  private async giveUp(lane: Lane, row: OutboxRow): Promise<void> {
    const ref = this.ref(row.id);
    let msg: OutboxMessage;
    try {
      msg = toMessage(row, this.o.render);
    } catch (e) {
      await this.fail({ ...ref, attemptId: null, outcome: 'permanent', error: `cannot render: ${(e as Error).message}`, hardFailure: false });
      return;
    }
    const unsent = await this.vet(msg, true);
    if (unsent) return await settleUnsent(this.o.db, { ...ref, outcome: unsent });
    const since = (row.first_attempt_at ?? row.not_before).toISOString();
    const error = `${lane.channel.name} unavailable: waiting since ${since}, giving up`;
    await this.fail({ ...ref, attemptId: null, outcome: 'transient', error, hardFailure: false });
  }

  /**
   * Why a claimed message must not go now: expired, quiet hours, or (when `ask`) no longer wanted.
   * The guards are asked for groups of messages at once (see `unwanted`).
   */
  private async vet(msg: OutboxMessage, ask: boolean): Promise<Unsent | null> {
    const now = this.now();
    if (msg.expiresAt !== null && msg.expiresAt.getTime() <= now.getTime()) return { status: 'expired' };
    const window = msg.channel === 'letter' ? null : (this.o.config.sendWindows[msg.channel] ?? null);
    if (window && !msg.urgent && !withinDailyWindow(now, window.from, window.to)) {
      return { status: 'queued', notBefore: nextWindowOpen(now, window.from, window.to) };
    }
    if (!ask) return null;
    const reason = await this.unwanted(msg);
    return reason === null ? null : { status: 'cancelled', reason };
  }

  /** Records an accepted send, with the receipts that came meanwhile (see JOURNAL). */
  private async recordSent(lane: Lane, msg: OutboxMessage, attemptId: number, result: SendResult): Promise<void> {
    let filled = result;
    if (msg.channel === 'sms' && result.segments === undefined) {
      const c = countSms(msg.body);
      filled = { ...result, segments: c.segments, encoding: c.encoding };
    }
    const costMinor = filled.costMinor ?? (msg.channel === 'sms' && filled.segments !== undefined ? filled.segments * this.o.config.smsPricePerSegmentMinor : null);
    const status = await lane.record({ sent: { ...this.ref(msg.id), attemptId, result: filled, costMinor } });
    if (status === 'lost') this.log.warn({ messageId: msg.id }, 'sent after another worker took the message over: it may be sent twice');
  }

  private async recordFailure(lane: Lane, msg: OutboxMessage, attemptId: number, error: unknown, firstAttemptAt: Date): Promise<void> {
    const { db, config } = this.o;
    const ref = this.ref(msg.id);
    const d = error instanceof DeliveryError ? error : null;
    const text = error instanceof Error ? error.message : String(error);
    // Anything but a DeliveryError is a fault of ours or the adapter's: the request may have left.
    const outcome: AttemptOutcome = d === null || d.outcome === 'unknown' ? 'unknown' : d.kind;
    if (d !== null && d.kind === 'permanent') {
      await this.fail({ ...ref, attemptId, outcome, error: text, hardFailure: true });
      return;
    }
    if (ref.now.getTime() - firstAttemptAt.getTime() >= config.maxRetryAgeMs) {
      const error = `${text} (retried since ${firstAttemptAt.toISOString()}, giving up)`;
      await this.fail({ ...ref, attemptId, outcome, error, hardFailure: false });
      return;
    }
    // The provider went down under the send (the session lost): not the message's fault, so no
    // back-off; it is not claimed again until the provider is back.
    if (lane.channel.available?.() === false) {
      await markRetry(db, { ...ref, attemptId, outcome, error: text, notBefore: ref.now });
      return;
    }
    const exp = Math.min(config.retryMaxDelayMs, config.retryBaseDelayMs * 2 ** msg.attempts);
    const delay = Math.max(exp / 2 + (this.o.random ?? Math.random)() * (exp / 2), d?.retryAfterMs ?? 0);
    await markRetry(db, { ...ref, attemptId, outcome, error: text, notBefore: new Date(ref.now.getTime() + delay) });
  }

  /** Fails a message for good; every lane is then asked again at once, as its fallback may be due. */
  private async fail(o: Parameters<typeof markFailed>[1]): Promise<void> {
    await markFailed(this.o.db, o, this.failure);
    for (const lane of this.lanes) lane.dryUntil = 0;
  }
}
