// A real SMTP server on 127.0.0.1 for tests: stores what arrives on the wire and can be told to
// refuse, to be slow, and counts concurrent connections.
import { SMTPServer } from 'smtp-server';
import type { SMTPServerSession } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
  /** The session used TLS (STARTTLS or implicit). */
  secure: boolean;
}

export interface Failure {
  code: number;
  message: string;
  /** How many times to answer with it; every time when not given. */
  times?: number;
  /** The command that gets the answer; DATA (end of message) when not given. */
  at?: 'mail' | 'rcpt' | 'data';
}

export interface SmtpSinkOptions {
  /** Delay before answering the end of DATA. */
  delayMs?: number;
  /** Implicit TLS (smtps) with smtp-server's built-in self-signed certificate. */
  secure?: boolean;
  /** Offer STARTTLS (built-in self-signed certificate); off by default. */
  starttls?: boolean;
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: ReceivedMessage[];
  /** Currently open connections and the most seen at once. */
  readonly connections: number;
  readonly peakConnections: number;
  failWith(failure: Failure): void;
  setDelay(ms: number): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  stop(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  let failure: (Failure & { left: number }) | null = null;
  let delayMs = opts.delayMs ?? 0;
  let connections = 0;
  let peakConnections = 0;
  const waiters = new Set<() => void>();

  function takeFailure(at: 'mail' | 'rcpt' | 'data'): Error | null {
    if (failure === null || (failure.at ?? 'data') !== at) return null;
    const err = smtpError(failure.code, failure.message);
    failure.left -= 1;
    if (failure.left <= 0) failure = null;
    return err;
  }

  const disabled = ['STARTTLS', 'AUTH'].filter(
    (c) => !(c === 'STARTTLS' && opts.starttls === true) && !(c === 'AUTH' && opts.auth !== undefined),
  );
  const server = new SMTPServer({
    secure: opts.secure === true,
    disabledCommands: disabled,
    authOptional: opts.auth === undefined,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth !== undefined && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(smtpError(535, '5.7.8 Authentication failed'));
      }
    },
    onConnect(_session, callback) {
      connections += 1;
      peakConnections = Math.max(peakConnections, connections);
      callback();
    },
    onClose() {
      connections -= 1;
    },
    onMailFrom(_address, _session, callback) {
      callback(takeFailure('mail'));
    },
    onRcptTo(_address, _session, callback) {
      callback(takeFailure('rcpt'));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
          const err = takeFailure('data');
          if (err !== null) return callback(err);
          const raw = Buffer.concat(chunks);
          messages.push({
            mailFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            raw,
            parsed: await simpleParser(raw),
            secure: session.secure,
          });
          for (const w of waiters) w();
          callback();
        })();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const scheme = opts.secure === true ? 'smtps' : 'smtp';
  const credentials = opts.auth === undefined ? '' : `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@`;

  return {
    port,
    url: `${scheme}://${credentials}127.0.0.1:${port}`,
    messages,
    get connections() {
      return connections;
    },
    get peakConnections() {
      return peakConnections;
    },
    failWith(f) {
      failure = { ...f, left: f.times ?? Infinity };
    },
    setDelay(ms) {
      delayMs = ms;
    },
    async waitForMessages(count, timeoutMs = 10_000) {
      if (messages.length >= count) return messages.slice(0, count);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages, got ${messages.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
      return messages.slice(0, count);
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
