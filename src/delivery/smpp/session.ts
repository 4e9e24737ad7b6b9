// One long-lived SMPP 3.4 transceiver bind. The `smpp` package only frames PDUs: this adds the
// send window, response timeouts, reconnection, enquire_link keep-alive and answers to the SMSC's
// own requests, none of which the package does.
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import smpp from 'smpp';
import type { PDU, Session as Wire } from 'smpp';
import type { TokenBucket } from '../outbox/pacing.js';
import { backoffDelay } from './backoff.js';
import { SmppError, isSmppError, status, statusError } from './errors.js';
import { submitParts } from './multipart.js';
import { receiptParser } from './receipt.js';
import type { Receipt } from './receipt.js';
import { sourceAddress, submitSmFields } from './submit-sm.js';
import type { SmsToSend, SourceAddress } from './submit-sm.js';
import { parseSmppUrl } from './url.js';
import type { SmppEndpoint } from './url.js';
import { sendWindow } from './window.js';
import type { SendWindow } from './window.js';

export { parseSmppUrl } from './url.js';

type LogFn = (obj: object, msg: string) => void;
export interface SmppLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
}

export interface SmppSessionOptions {
  /** smpp://system_id:password@host:port */
  url: string;
  systemType?: string;
  sourceAddr: string;
  /** Default: 1 (international) for a numeric sender, 5 (alphanumeric) otherwise. */
  sourceTon?: number;
  /** Default: 1 (ISDN) for a numeric sender, 0 otherwise. */
  sourceNpi?: number;
  /** Maximum submit_sm awaiting their submit_sm_resp. */
  window: number;
  responseTimeoutMs: number;
  enquireLinkMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** IANA zone of the SMSC's clock, for the "done date" of receipts. Default: UTC. */
  receiptTimeZone?: string;
  /**
   * Keeps a delivery receipt durably. Its deliver_sm_resp is written only when this resolves; when
   * it rejects, the receipt is refused with ESME_RX_T_APPN, so the SMSC sends it again later.
   */
  onReceipt: (r: Receipt) => Promise<void>;
  /**
   * One token is taken for each submit_sm (one SMS part, a retried part included) right before it
   * is written: SMSCs count PDUs, so a 3-part message costs three. Unset: not paced here.
   */
  pace?: TokenBucket;
  /**
   * A part of a concatenated message refused for now is sent again alone (same reference, same
   * part number) until this long after the message started: within the handsets' reassembly time.
   * Default 60 s.
   */
  reassemblyMs?: number;
  logger?: SmppLogger;
}

export interface MobileOriginated {
  from: string;
  to: string;
  text: string;
  dataCoding: number;
}

export interface SmppSessionEvents {
  /** Emitted on each successful bind, reconnections included. */
  ready: [];
  disconnect: [{ reason: string }];
  mo: [MobileOriginated];
}

type State = 'idle' | 'connecting' | 'bound' | 'stopping' | 'stopped';

interface Pending {
  command: string;
  resolve: (pdu: PDU) => void;
  reject: (e: SmppError) => void;
  timer: NodeJS.Timeout;
}

const ESM_RECEIPT = 0x04;
const ESME_RINVCMDID = 0x03;
// "Temporary application error": the SMSC keeps the receipt and delivers it again.
const ESME_RX_T_APPN = 0x64;
const INTERFACE_VERSION_34 = 0x34;
// Back-pressure after ESME_RTHROTTLED: operators count per second, so pause for a fraction of
// one, longer while the refusals continue.
const THROTTLE_MIN_MS = 50;
const THROTTLE_MAX_MS = 2000;
const REASSEMBLY_MS = 60_000;

const quiet: LogFn = () => undefined;
const silent: SmppLogger = { info: quiet, warn: quiet, error: quiet, debug: quiet };

function notBound(why: string): SmppError {
  return new SmppError(`SMPP session ${why}: message not sent`, 'transient', 'rejected');
}

// The package decodes short_message and message_payload into { message, udh? } by data_coding
// (GSM-7 for 0): receipt fields are letters and digits, which GSM-7 and ASCII share.
function textOf(value: unknown): string {
  const message = value !== null && typeof value === 'object' && 'message' in value ? value.message : value;
  if (typeof message === 'string') return message;
  return Buffer.isBuffer(message) ? message.toString('latin1') : '';
}

/** Waits for `p`, but no longer than `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export class SmppSession extends EventEmitter<SmppSessionEvents> {
  private readonly endpoint: SmppEndpoint;
  private readonly source: SourceAddress;
  private readonly log: SmppLogger;
  private readonly parseReceipt: ReturnType<typeof receiptParser>;
  private readonly window: SendWindow;
  private readonly pending = new Map<number, Pending>();
  /** Receipts being stored, their deliver_sm_resp not written yet. */
  private readonly storing = new Set<Promise<void>>();
  private state: State = 'idle';
  private conn: Wire | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private enquireTimer: NodeJS.Timeout | undefined;
  private throttledUntil = 0;
  private throttleStreak = 0;
  private stopped: Promise<void> | undefined;
  // A random start keeps a restarted process from reusing the reference of a message the same
  // phone may still be reassembling.
  private udhRef = Math.floor(Math.random() * 256);

  constructor(private readonly opts: SmppSessionOptions) {
    super();
    this.endpoint = parseSmppUrl(opts.url);
    this.source = sourceAddress(opts.sourceAddr, opts.sourceTon, opts.sourceNpi);
    this.log = opts.logger ?? silent;
    this.parseReceipt = receiptParser(opts.receiptTimeZone ?? 'UTC');
    this.window = sendWindow(opts.window);
    for (const key of ['responseTimeoutMs', 'enquireLinkMs', 'reconnectMinMs', 'reconnectMaxMs'] as const) {
      if (!(opts[key] > 0)) throw new RangeError(`${key} must be positive, got ${opts[key]}`);
    }
    if (opts.reconnectMinMs > opts.reconnectMaxMs) throw new RangeError('reconnectMinMs exceeds reconnectMaxMs');
  }

  get bound(): boolean {
    return this.state === 'bound';
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`SMPP session cannot start: it is ${this.state}`);
    this.connect();
  }

  /** Resolves once bound (at once if bound now); rejects with a transient SmppError after timeoutMs. */
  ready(timeoutMs: number): Promise<void> {
    if (this.state === 'bound') return Promise.resolve();
    if (this.state === 'stopping' || this.state === 'stopped') return Promise.reject(notBound(this.state));
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('ready', onReady);
        reject(notBound(`not bound within ${timeoutMs} ms`));
      }, timeoutMs);
      this.once('ready', onReady);
    });
  }

  /**
   * Sends one submit_sm per part (but those in msg.alreadyAccepted) and resolves with the
   * message_id of each part sent, in order. While unbound it
   * rejects at once (transient, nothing sent): await ready() first. A part of a concatenated
   * message refused for now is sent again alone (see multipart.ts). A failed message whose other
   * parts were accepted, or whose answer was lost, rejects with outcome 'unknown'.
   */
  async submit(msg: SmsToSend): Promise<{ messageIds: string[] }> {
    const fields = submitSmFields(msg, this.source, msg.parts.length > 1 ? (msg.reference ?? this.nextRef()) : 0);
    const skip = new Set(msg.alreadyAccepted ?? []);
    const parts = fields.map((f, i) => ({ seq: i + 1, fields: f })).filter((p) => !skip.has(p.seq));
    return await submitParts(
      parts,
      fields.length,
      {
        slot: async () => {
          if (this.state !== 'bound') throw notBound(this.state === 'connecting' ? 'is not bound' : `is ${this.state}`);
          await this.window.acquire();
        },
        release: () => this.window.release(),
        send: (fields) => this.sendPart(fields),
        ready: (ms) => this.ready(ms),
      },
      {
        reassemblyMs: this.opts.reassemblyMs ?? REASSEMBLY_MS,
        minDelayMs: THROTTLE_MIN_MS,
        maxDelayMs: THROTTLE_MAX_MS,
        onRetry: (r) => this.log.debug({ to: msg.to, seq: r.seq, of: fields.length, attempt: r.attempt, retryInMs: r.delayMs, err: r.error.message }, 'SMPP part refused for now; sending it again alone'),
      },
    );
  }

  /** Stops accepting, waits (up to timeoutMs) for answers to what is in flight, unbinds, closes. */
  stop(timeoutMs = this.opts.responseTimeoutMs): Promise<void> {
    this.stopped ??= this.shutDown(timeoutMs);
    return this.stopped;
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    const wasBound = this.state === 'bound';
    this.state = 'stopping';
    clearTimeout(this.reconnectTimer);
    clearInterval(this.enquireTimer);
    this.window.rejectWaiting(notBound('is stopping'));
    const conn = this.conn;
    if (conn !== null && wasBound) {
      await within(Promise.all([this.window.whenIdle(), ...this.storing]), timeoutMs);
      await this.request(conn, 'unbind', {}).catch((e: unknown) => this.log.warn({ err: e }, 'SMPP unbind not answered'));
    }
    if (conn !== null) {
      const closed = new Promise<void>((resolve) => (conn.socket.destroyed ? resolve() : conn.socket.once('close', () => resolve())));
      this.lose(conn, 'stopped');
      await within(closed, timeoutMs);
    }
    this.state = 'stopped';
    this.log.info({ host: this.endpoint.host }, 'SMPP session stopped');
  }

  private nextRef(): number {
    this.udhRef = (this.udhRef + 1) & 0xff;
    return this.udhRef;
  }

  private connect(): void {
    this.state = 'connecting';
    const { host, port, systemId, password } = this.endpoint;
    const conn = smpp.connect({ host, port });
    // Every PDU is a request or an answer the other side waits for: Nagle's algorithm would hold a
    // small write back until the previous one is acknowledged (up to the peer's delayed ACK, 40 ms).
    conn.socket.setNoDelay(true);
    this.conn = conn;
    this.connectTimer = setTimeout(() => this.lose(conn, 'connect timed out'), this.opts.responseTimeoutMs);
    conn.on('error', (e: Error) => this.lose(conn, e.message));
    conn.on('close', () => this.lose(conn, 'closed by the SMSC'));
    conn.on('pdu', (pdu: PDU) => this.onPdu(conn, pdu));
    conn.on('connect', () => {
      clearTimeout(this.connectTimer);
      const bind = { system_id: systemId, password, system_type: this.opts.systemType ?? '', interface_version: INTERFACE_VERSION_34 };
      this.request(conn, 'bind_transceiver', bind).then(
        () => this.onBound(conn),
        (e: unknown) => this.lose(conn, `bind failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
  }

  private onBound(conn: Wire): void {
    if (conn !== this.conn || this.state !== 'connecting') return;
    this.state = 'bound';
    this.attempt = 0;
    this.enquireTimer = setInterval(() => {
      // A link that cannot answer enquire_link cannot answer submit_sm either: start over.
      this.request(conn, 'enquire_link', {}).catch((e: unknown) => this.lose(conn, `enquire_link failed: ${(e as Error).message}`));
    }, this.opts.enquireLinkMs);
    this.log.info({ host: this.endpoint.host, port: this.endpoint.port }, 'SMPP bound as transceiver');
    this.emitSafely('ready', () => this.emit('ready'));
  }

  /** Tears the connection down at once; every request awaiting an answer gets outcome 'unknown'. */
  private lose(conn: Wire, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = null;
    clearTimeout(this.connectTimer);
    clearInterval(this.enquireTimer);
    const wasBound = this.state === 'bound';
    const lost = new SmppError(`SMPP connection lost (${reason}): the SMSC may have the message`, 'transient', 'unknown');
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(lost);
    }
    this.pending.clear();
    this.window.rejectWaiting(notBound('lost its connection'));
    conn.close();
    setTimeout(() => conn.destroy(), this.opts.responseTimeoutMs).unref();
    if (this.state === 'stopping') return;
    this.state = 'connecting';
    const delay = backoffDelay(this.attempt++, this.opts.reconnectMinMs, this.opts.reconnectMaxMs);
    this.log.warn({ host: this.endpoint.host, reason, retryInMs: delay }, wasBound ? 'SMPP connection lost' : 'SMPP connect or bind failed');
    if (wasBound) this.emitSafely('disconnect', () => this.emit('disconnect', { reason }));
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  // The answers to a committed group of receipts leave in one write, with whatever else is written in
  // that turn of the event loop: with TCP_NODELAY each would be a system call and a packet of its
  // own. Requests are not held back: a multi-part text's next part waits for this one's answer, and
  // holding each submit_sm until setImmediate cost 3-part texts a third of their rate in the bench.
  private answer(conn: Wire, pdu: PDU): void {
    const socket = conn.socket;
    if (socket.writableCorked === 0) {
      socket.cork();
      setImmediate(() => socket.uncork());
    }
    conn.send(pdu);
  }

  private request(conn: Wire, command: string, fields: Record<string, unknown>): Promise<PDU> {
    const pdu = new smpp.PDU(command, fields);
    if (conn !== this.conn || !conn.send(pdu)) return Promise.reject(notBound('lost its connection'));
    const ms = this.opts.responseTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(pdu.sequence_number);
        reject(new SmppError(`no ${command}_resp within ${ms} ms: the SMSC may have the message`, 'transient', 'unknown'));
      }, ms);
      this.pending.set(pdu.sequence_number, { command, resolve, reject, timer });
    });
  }

  private async sendPart(fields: Record<string, unknown>): Promise<string> {
    try {
      const wait = this.throttledUntil - Date.now();
      if (wait > 0) await sleep(wait);
      // Taken with the window slot held and right before the write, so the PDUs on the wire are
      // what the bucket allows (a token taken earlier could be spent in a burst later).
      if (this.opts.pace) await this.opts.pace.take();
      if (this.state !== 'bound' || this.conn === null) throw notBound(`is ${this.state === 'connecting' ? 'not bound' : this.state}`);
      const resp = await this.request(this.conn, 'submit_sm', fields);
      this.throttleStreak = 0;
      return typeof resp.message_id === 'string' ? resp.message_id : '';
    } catch (e) {
      if (isSmppError(e) && e.commandStatus === status.ESME_RTHROTTLED) {
        this.throttledUntil = Date.now() + backoffDelay(this.throttleStreak++, THROTTLE_MIN_MS, THROTTLE_MAX_MS);
      }
      throw e;
    } finally {
      this.window.release();
    }
  }

  private onPdu(conn: Wire, pdu: PDU): void {
    if (conn !== this.conn) return;
    if (pdu.isResponse()) return this.onResponse(pdu);
    switch (pdu.command) {
      case 'enquire_link':
        conn.send(pdu.response());
        return;
      case 'deliver_sm':
        return this.onDeliverSm(conn, pdu);
      case 'unbind':
        // lose() ends the socket after the queued unbind_resp has been written.
        conn.send(pdu.response());
        return this.lose(conn, 'unbound by the SMSC');
      case 'alert_notification':
        return; // has no response PDU
      default:
        conn.send(new smpp.PDU('generic_nack', { command_status: ESME_RINVCMDID, sequence_number: pdu.sequence_number }));
    }
  }

  private onResponse(pdu: PDU): void {
    const p = this.pending.get(pdu.sequence_number);
    if (p === undefined) {
      this.log.debug({ command: pdu.command, sequence: pdu.sequence_number }, 'SMPP response after its timeout, ignored');
      return;
    }
    this.pending.delete(pdu.sequence_number);
    clearTimeout(p.timer);
    if (pdu.command_status !== status.ESME_ROK) p.reject(statusError(p.command, pdu.command_status));
    else if (pdu.command !== `${p.command}_resp`) p.reject(new SmppError(`${p.command} answered by ${pdu.command}`, 'transient', 'unknown'));
    else p.resolve(pdu);
  }

  // Receipts may arrive before the submit_sm_resp that carries their message id, and more than
  // once: they are stored as they come; the store matches early ones and drops repeats. Once
  // deliver_sm_resp is sent the SMSC forgets the receipt, so it is sent only after onReceipt has
  // made the receipt durable.
  private onDeliverSm(conn: Wire, pdu: PDU): void {
    const text = textOf(pdu.short_message) || textOf(pdu.message_payload);
    const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
    if ((esmClass & ESM_RECEIPT) === 0) {
      conn.send(pdu.response());
      const dataCoding = typeof pdu.data_coding === 'number' ? pdu.data_coding : 0;
      const mo = { from: String(pdu.source_addr ?? ''), to: String(pdu.destination_addr ?? ''), text, dataCoding };
      this.emitSafely('mo', () => this.emit('mo', mo));
      return;
    }
    const receipt = this.parseReceipt({
      receiptedMessageId: optionalString(pdu.receipted_message_id),
      messageState: typeof pdu.message_state === 'number' ? pdu.message_state : undefined,
      text,
    });
    if (receipt === null) {
      // Nothing could ever be matched to it: sending it again would not help.
      this.log.warn({ text }, 'SMPP receipt without a message id, ignored');
      conn.send(pdu.response());
      return;
    }
    const stored: Promise<void> = Promise.resolve()
      .then(() => this.opts.onReceipt(receipt))
      .then(
        () => status.ESME_ROK,
        (err: unknown) => {
          this.log.error({ err, messageId: receipt.messageId }, 'SMPP receipt not stored; refused so that the SMSC sends it again');
          return ESME_RX_T_APPN;
        },
      )
      .then((commandStatus) => {
        // On a connection lost meanwhile the sequence number means nothing: the SMSC sends the
        // unanswered receipt again over the next bind.
        if (conn === this.conn) this.answer(conn, pdu.response({ command_status: commandStatus }));
      })
      .finally(() => this.storing.delete(stored));
    this.storing.add(stored);
  }

  // A throwing listener must not take the link down with it (it would throw inside the socket's
  // read loop, or reject a promise nobody awaits).
  private emitSafely(event: string, emit: () => void): void {
    try {
      emit();
    } catch (e) {
      this.log.error({ err: e, event }, 'SMPP event listener failed');
    }
  }
}
