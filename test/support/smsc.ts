// A real SMSC on loopback for tests, built on the server side of the `smpp` package. It records
// submit_sm as they were on the wire (decoded here from the raw bytes, not by the package, so a
// test sees what an operator's SMSC would see) and misbehaves on request.
import { randomBytes } from 'node:crypto';
import smpp from 'smpp';
import type { PDU, Server, Session } from 'smpp';
import { status } from '../../src/delivery/smpp/errors.js';

export interface SmscBehaviour {
  systemId: string;
  password: string;
  /** Delay before each submit_sm_resp. */
  respondDelayMs: number;
  /** Every n-th submit_sm, counted from when this was set, is answered ESME_RTHROTTLED; 0 = never. */
  throttleEvery: number;
  throttleAll: boolean;
  /**
   * Refuse part `seq` of every concatenated message the first `times` times it arrives (Infinity:
   * always), as an SMSC whose per-second budget runs out in the middle of a message; null = never.
   */
  throttlePart: { seq: number; times: number } | null;
  /** The status of throttleEvery, throttleAll and throttlePart refusals (ESME_RMSGQFUL is 0x14). */
  throttleStatus: number;
  /** When non-zero, every submit_sm is answered with this command_status. */
  failStatus: number;
  /**
   * Receipts for submits with registered_delivery: none, after the resp, before it, twice after, or
   * 'some-before': before the resp for every other submit, after it for the rest.
   */
  receipts: 'none' | 'after' | 'before-resp' | 'twice' | 'some-before';
  /** Put the receipted_message_id and message_state TLVs in receipts (else only the text says). */
  receiptTlv: boolean;
  receiptStat: string;
  ignoreEnquireLink: boolean;
  /** Destinations (as on the wire, without '+') whose submit_sm are never answered. */
  neverAnswer: string[];
  /**
   * As a real SMSC: a receipt answered with an error status, or left unanswered when its connection
   * closed, is sent again (on any bound session, after redeliverDelayMs).
   */
  redeliverReceipts: boolean;
  redeliverDelayMs: number;
}

export interface ReceiptAnswer {
  messageId: string;
  /** The command_status of the deliver_sm_resp. */
  commandStatus: number;
}

export interface SubmittedSm {
  source_addr: string;
  source_addr_ton: number;
  source_addr_npi: number;
  destination_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  esm_class: number;
  registered_delivery: number;
  data_coding: number;
  /** The whole short_message field, UDH included. */
  short_message: Buffer;
  /** short_message without the concatenation UDH. */
  payload: Buffer;
  udh?: { ref: number; total: number; seq: number };
  /** '' when refused. */
  messageId: string;
  commandStatus: number;
  /** performance.now() when it was read off the wire. */
  at: number;
  /** Which bind it came over: 1 for the first successful bind, and so on. */
  bind: number;
}

/** What handsets would make of the accepted parts (see Smsc.reassembly). */
export interface Reassembly {
  /** Messages complete on each destination (a single-part SMS is complete at once). */
  complete: Map<string, number>;
  /** References whose parts never all arrived: what would stay on the handset as a fragment. */
  orphans: Array<{ to: string; ref: number; total: number; seqs: number[] }>;
  /** Parts accepted again while their reference was still open (a resend under the same reference). */
  duplicateParts: number;
}

export interface Smsc {
  readonly port: number;
  /** smpp://user:pass@127.0.0.1:port with the configured credentials. */
  readonly url: string;
  /** Accepted submit_sm, in arrival order. */
  readonly submitted: SubmittedSm[];
  /** Every submit_sm received while bound, refused and unanswered ones too. */
  readonly received: SubmittedSm[];
  /** submit_sm answered with an error status. */
  readonly refused: number;
  /** Successful binds, and the bind command of each. */
  readonly binds: number;
  readonly bindCommands: string[];
  readonly unbinds: number;
  readonly enquireLinksReceived: number;
  /** deliver_sm_resp received for deliver_sm this SMSC sent. */
  readonly deliverSmAcks: number;
  /** Receipts sent (deliver_sm, repeats and redeliveries included). */
  readonly receiptsSent: number;
  /** Every deliver_sm_resp for a receipt, in arrival order. */
  readonly receiptAnswers: ReceiptAnswer[];
  /** Most submit_sm ever awaiting their resp at once. */
  readonly maxInFlight: number;
  /**
   * Reassembles the accepted submit_sm as a handset would: parts join by (sender, destination,
   * reference, total) until all part numbers are in; then the reference is free again.
   */
  reassembly(): Reassembly;
  setBehaviour(b: Partial<SmscBehaviour>): void;
  /** Sends enquire_link on every bound session; resolves with how many were answered in time. */
  enquireLink(timeoutMs?: number): Promise<number>;
  /** Sends a mobile-originated deliver_sm on every bound session. */
  sendMo(from: string, text: string): void;
  /** Closes every connection at once, as a crash would. */
  dropConnections(): void;
  /** Stops listening (new connections are refused); existing ones stay. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULTS: SmscBehaviour = {
  systemId: 'user',
  password: 'pass',
  respondDelayMs: 0,
  throttleEvery: 0,
  throttleAll: false,
  throttlePart: null,
  throttleStatus: status.ESME_RTHROTTLED,
  failStatus: 0,
  receipts: 'none',
  receiptTlv: true,
  receiptStat: 'DELIVRD',
  ignoreEnquireLink: false,
  neverAnswer: [],
  redeliverReceipts: false,
  redeliverDelayMs: 50,
};

type RawSubmit = Omit<SubmittedSm, 'messageId' | 'commandStatus' | 'at' | 'bind'>;

function reassemble(accepted: readonly SubmittedSm[]): Reassembly {
  const complete = new Map<string, number>();
  const open = new Map<string, { to: string; ref: number; total: number; seqs: Set<number> }>();
  let duplicateParts = 0;
  for (const sm of accepted) {
    const to = sm.destination_addr;
    if (sm.udh === undefined || sm.udh.total <= 1) {
      complete.set(to, (complete.get(to) ?? 0) + 1);
      continue;
    }
    const { ref, total, seq } = sm.udh;
    const key = `${sm.source_addr}|${to}|${ref}|${total}`;
    const group = open.get(key) ?? { to, ref, total, seqs: new Set<number>() };
    open.set(key, group);
    if (group.seqs.has(seq)) duplicateParts++;
    group.seqs.add(seq);
    if (group.seqs.size === total) {
      open.delete(key);
      complete.set(to, (complete.get(to) ?? 0) + 1);
    }
  }
  const orphans = [...open.values()].map((g) => ({ to: g.to, ref: g.ref, total: g.total, seqs: [...g.seqs].sort((a, b) => a - b) }));
  return { complete, orphans, duplicateParts };
}

// submit_sm body (SMPP 3.4, 4.4.1), read straight from the wire.
function decodeSubmitSm(raw: Buffer): RawSubmit {
  let o = 16;
  const u8 = (): number => raw.readUInt8(o++);
  const cstring = (): string => {
    const end = raw.indexOf(0, o);
    const s = raw.toString('latin1', o, end);
    o = end + 1;
    return s;
  };
  cstring(); // service_type
  const source_addr_ton = u8();
  const source_addr_npi = u8();
  const source_addr = cstring();
  const dest_addr_ton = u8();
  const dest_addr_npi = u8();
  const destination_addr = cstring();
  const esm_class = u8();
  o += 2; // protocol_id, priority_flag
  cstring(); // schedule_delivery_time
  cstring(); // validity_period
  const registered_delivery = u8();
  o += 1; // replace_if_present_flag
  const data_coding = u8();
  o += 1; // sm_default_msg_id
  const length = u8();
  const short_message = Buffer.from(raw.subarray(o, o + length));
  const sm = { source_addr, source_addr_ton, source_addr_npi, destination_addr, dest_addr_ton, dest_addr_npi, esm_class, registered_delivery, data_coding, short_message };
  const h = short_message;
  if ((esm_class & 0x40) !== 0 && h.length >= 6 && h[0] === 5 && h[1] === 0 && h[2] === 3) {
    return { ...sm, payload: h.subarray(6), udh: { ref: h.readUInt8(3), total: h.readUInt8(4), seq: h.readUInt8(5) } };
  }
  return { ...sm, payload: short_message };
}

// The package reads each PDU with socket.read(), which also emits 'data' with what it read: this
// rebuilds the byte stream and yields the raw frames in the order the package emits the PDUs.
function captureFrames(session: Session): () => Buffer | undefined {
  let pending = Buffer.alloc(0);
  const frames: Buffer[] = [];
  session.socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readUInt32BE(0)) {
      frames.push(pending.subarray(0, pending.readUInt32BE(0)));
      pending = pending.subarray(pending.readUInt32BE(0));
    }
  });
  return () => frames.shift();
}

function smppTime(d: Date): string {
  return d.toISOString().replace(/\D/g, '').slice(2, 12); // YYMMDDhhmm, UTC
}

export async function startSmsc(initial: Partial<SmscBehaviour> = {}): Promise<Smsc> {
  const b: SmscBehaviour = { ...DEFAULTS, ...initial };
  const idPrefix = randomBytes(3).toString('hex');
  const sessions = new Set<Session>();
  const bound = new Set<Session>();
  const owed = new Map<Session, number>(); // submit_sm awaiting their resp, per session
  const timers = new Set<NodeJS.Timeout>();
  const submitted: SubmittedSm[] = [];
  const received: SubmittedSm[] = [];
  const bindCommands: string[] = [];
  const bindNumber = new Map<Session, number>();
  let server: Server | null = null;
  let port = 0;
  let submits = 0;
  let refused = 0;
  let unbinds = 0;
  let enquireLinks = 0;
  let acks = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let nextId = 0;
  let receiptsSent = 0;
  const receiptAnswers: ReceiptAnswer[] = [];
  // Receipts sent and not answered yet, per session; and those waiting for a bound session.
  const unanswered = new Map<Session, Map<number, SubmittedSm>>();
  const toRedeliver: SubmittedSm[] = [];

  function later(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
  }

  function redeliver(sm: SubmittedSm): void {
    later(b.redeliverDelayMs, () => {
      const [session] = bound;
      if (session === undefined) toRedeliver.push(sm);
      else sendReceipt(session, sm);
    });
  }

  function sendReceipt(session: Session, sm: SubmittedSm): void {
    receiptsSent++;
    const now = new Date();
    const text = `id:${sm.messageId} sub:001 dlvrd:001 submit date:${smppTime(now)} done date:${smppTime(now)} stat:${b.receiptStat} err:000 text:`;
    const tlvs = b.receiptTlv ? { receipted_message_id: sm.messageId, message_state: 2 } : {};
    const pdu = new smpp.PDU('deliver_sm', {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: sm.destination_addr,
      destination_addr: sm.source_addr,
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from(text, 'latin1'),
      ...tlvs,
    });
    const sent = session.send(pdu, (resp: PDU) => {
      unanswered.get(session)?.delete(resp.sequence_number);
      receiptAnswers.push({ messageId: sm.messageId, commandStatus: resp.command_status });
      if (resp.command_status !== 0 && b.redeliverReceipts) redeliver(sm);
    });
    if (!sent) {
      if (b.redeliverReceipts) redeliver(sm);
      return;
    }
    // send() has numbered the PDU; its answer cannot have come yet.
    const open = unanswered.get(session) ?? new Map<number, SubmittedSm>();
    unanswered.set(session, open);
    open.set(pdu.sequence_number, sm);
  }

  // How often each (sender, destination, reference, part) has arrived, for throttlePart.
  const partArrivals = new Map<string, number>();
  function partThrottled(sm: RawSubmit): boolean {
    const p = b.throttlePart;
    if (p === null || sm.udh === undefined || sm.udh.seq !== p.seq) return false;
    const key = `${sm.source_addr}|${sm.destination_addr}|${sm.udh.ref}|${sm.udh.seq}`;
    const seen = partArrivals.get(key) ?? 0;
    partArrivals.set(key, seen + 1);
    return seen < p.times;
  }

  function onSubmit(session: Session, pdu: PDU, raw: Buffer | undefined): void {
    if (!bound.has(session)) {
      session.send(pdu.response({ command_status: status.ESME_RINVBNDSTS }));
      return;
    }
    if (raw === undefined || raw.readUInt32BE(12) !== pdu.sequence_number) throw new Error('SMSC simulator lost track of the raw frames');
    const at = performance.now();
    const n = ++submits;
    const decoded = decodeSubmitSm(raw);
    const throttled = b.throttleAll || (b.throttleEvery > 0 && n % b.throttleEvery === 0) || partThrottled(decoded);
    const commandStatus = b.failStatus || (throttled ? b.throttleStatus : 0);
    const messageId = commandStatus ? '' : `${idPrefix}${(++nextId).toString(16).padStart(6, '0')}`;
    const sm: SubmittedSm = { ...decoded, messageId, commandStatus, at, bind: bindNumber.get(session) ?? 0 };
    received.push(sm);
    if (commandStatus) refused++;
    else submitted.push(sm);
    const receipts = commandStatus === 0 && (sm.registered_delivery & 1) === 1 ? b.receipts : 'none';
    inFlight++;
    owed.set(session, (owed.get(session) ?? 0) + 1);
    maxInFlight = Math.max(maxInFlight, inFlight);
    const before = receipts === 'before-resp' || (receipts === 'some-before' && n % 2 === 1);
    if (before) sendReceipt(session, sm);
    const respond = (): void => {
      if (!sessions.has(session)) return; // the connection is gone, and with it the debt
      inFlight--;
      owed.set(session, (owed.get(session) ?? 1) - 1);
      session.send(pdu.response(commandStatus ? { command_status: commandStatus } : { message_id: sm.messageId }));
      if (receipts === 'after' || receipts === 'twice' || (receipts === 'some-before' && !before)) sendReceipt(session, sm);
      if (receipts === 'twice') sendReceipt(session, sm);
    };
    if (b.neverAnswer.includes(sm.destination_addr)) return;
    if (b.respondDelayMs > 0) later(b.respondDelayMs, respond);
    else respond();
  }

  function onSession(session: Session): void {
    sessions.add(session);
    const nextFrame = captureFrames(session);
    session.on('error', () => undefined); // resets by the client are part of the tests
    session.socket.on('close', () => {
      sessions.delete(session);
      bound.delete(session);
      inFlight -= owed.get(session) ?? 0;
      owed.delete(session);
      for (const sm of unanswered.get(session)?.values() ?? []) if (b.redeliverReceipts) redeliver(sm);
      unanswered.delete(session);
    });
    session.on('pdu', (pdu: PDU) => {
      const raw = nextFrame();
      switch (pdu.command) {
        case 'bind_transceiver':
        case 'bind_transmitter':
        case 'bind_receiver':
          if (pdu.system_id === b.systemId && pdu.password === b.password) {
            bound.add(session);
            bindCommands.push(pdu.command);
            bindNumber.set(session, bindCommands.length);
            session.send(pdu.response({ system_id: 'SIMSC' }));
            for (const sm of toRedeliver.splice(0)) sendReceipt(session, sm);
          } else {
            session.send(pdu.response({ command_status: status.ESME_RINVPASWD }));
            session.close();
          }
          return;
        case 'submit_sm':
          onSubmit(session, pdu, raw);
          return;
        case 'enquire_link':
          enquireLinks++;
          if (!b.ignoreEnquireLink) session.send(pdu.response());
          return;
        case 'unbind':
          unbinds++;
          bound.delete(session);
          session.send(pdu.response());
          return;
        case 'deliver_sm_resp':
          acks++;
          return;
      }
    });
  }

  async function listen(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const s = smpp.createServer({}, onSession);
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(port, '127.0.0.1', () => resolve());
        });
        server = s;
        const address = s.address();
        if (address === null || typeof address === 'string') throw new Error('SMSC simulator has no TCP address');
        port = address.port;
        return;
      } catch (e) {
        // The old listening socket may take a moment to be released.
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  function unlisten(): void {
    server?.close();
    server = null;
  }

  await listen();

  return {
    get port() {
      return port;
    },
    get url() {
      return `smpp://${encodeURIComponent(b.systemId)}:${encodeURIComponent(b.password)}@127.0.0.1:${port}`;
    },
    submitted,
    received,
    get refused() {
      return refused;
    },
    get binds() {
      return bindCommands.length;
    },
    bindCommands,
    get unbinds() {
      return unbinds;
    },
    get enquireLinksReceived() {
      return enquireLinks;
    },
    get deliverSmAcks() {
      return acks;
    },
    get receiptsSent() {
      return receiptsSent;
    },
    receiptAnswers,
    get maxInFlight() {
      return maxInFlight;
    },
    reassembly() {
      return reassemble(submitted);
    },
    setBehaviour(change) {
      if (change.throttleEvery !== undefined) submits = 0;
      if (change.throttlePart !== undefined) partArrivals.clear();
      Object.assign(b, change);
    },
    async enquireLink(timeoutMs = 2000) {
      const answers = [...bound].map(
        (session) =>
          new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), timeoutMs);
            session.send(new smpp.PDU('enquire_link', {}), (resp: PDU) => {
              clearTimeout(timer);
              resolve(resp.command === 'enquire_link_resp' && resp.command_status === 0);
            });
          }),
      );
      return (await Promise.all(answers)).filter(Boolean).length;
    },
    sendMo(from, text) {
      for (const session of bound) {
        session.send(new smpp.PDU('deliver_sm', { source_addr_ton: 1, source_addr_npi: 1, source_addr: from, destination_addr: '1234', esm_class: 0, data_coding: 0, short_message: Buffer.from(text, 'latin1') }));
      }
    },
    dropConnections() {
      for (const session of sessions) session.destroy();
    },
    async pause() {
      unlisten();
    },
    async resume() {
      if (server === null) await listen();
    },
    async stop() {
      unlisten();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const session of sessions) session.destroy();
    },
  };
}

/**
 * The most submit_sm that arrived within any `spanMs` (sliding: every window starting at an
 * arrival), for pacing checks on the wire.
 */
export function maxInSpan(received: readonly SubmittedSm[], spanMs = 1000): number {
  const at = received.map((s) => s.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (j < at.length && at[j]! < at[i]! + spanMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

/** Polls `check` until it holds; throws after `timeoutMs` (generous: the machine is shared). */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
