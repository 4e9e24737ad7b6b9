import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { parseBounce } from './dsn.js';
import type { Bounce } from './dsn.js';
import { parseVerp } from './compose.js';

export interface BounceLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface BounceReceiverOptions {
  host: string;
  /** 0 picks a free port; read `.port` after start(). */
  port: number;
  /** Only bounce+{id}@{domain} is accepted. */
  domain: string;
  /** Throwing makes the sender retry later (451). */
  onBounce: (bounce: Bounce) => Promise<void>;
  logger?: BounceLogger;
  /** Largest message accepted, in bytes. A DSN with the full original message attached stays far below it. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

function smtpError(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * A small SMTP server for the VERP return path: it takes delivery status notifications for
 * bounce+{outbox id}@{domain} and hands them to onBounce.
 */
export class BounceReceiver {
  private readonly server: SMTPServer;
  private readonly domain: string;
  private boundPort: number | null = null;

  constructor(private readonly opts: BounceReceiverOptions) {
    this.domain = opts.domain.toLowerCase();
    this.server = new SMTPServer({
      // Remote MTAs deliver bounces unauthenticated; the recipient check below is the gate.
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: opts.maxBytes ?? DEFAULT_MAX_BYTES,
      disableReverseLookup: true,
      logger: false,
      onRcptTo: (address, session, callback) => callback(this.checkRecipient(address, session)),
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(),
          (err: Error) => callback(err),
        );
      },
    });
    this.server.on('error', (err) => opts.logger?.warn({ err }, 'bounce receiver connection error'));
  }

  /** The listening port; valid after start(). */
  get port(): number {
    if (this.boundPort === null) throw new Error('BounceReceiver is not started');
    return this.boundPort;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.server.once('error', onError);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.server.off('error', onError);
        resolve();
      });
    });
    this.boundPort = (this.server.server.address() as AddressInfo).port;
    this.opts.logger?.info({ host: this.opts.host, port: this.boundPort }, 'bounce receiver listening');
  }

  async stop(): Promise<void> {
    if (this.boundPort === null) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.boundPort = null;
  }

  private checkRecipient(address: SMTPServerAddress, session: SMTPServerSession): Error | null {
    const at = address.address.lastIndexOf('@');
    const domain = address.address.slice(at + 1).toLowerCase();
    if (at < 0 || domain !== this.domain || parseVerp(address.address) === null) {
      return smtpError(550, '5.1.1 No such user here');
    }
    // One report names one outbox row: a second recipient is deferred to its own transaction.
    if (session.envelope.rcptTo.length > 0) return smtpError(452, '4.5.3 One recipient per message, please');
    return null;
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    // Keep reading an oversized message to the end (the protocol needs it) but stop holding it.
    for await (const chunk of stream) if (!stream.sizeExceeded) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw smtpError(552, '5.3.4 Message too big');
    const rcptTo = session.envelope.rcptTo[0]?.address;

    let bounce: Bounce | null;
    try {
      bounce = await parseBounce(Buffer.concat(chunks), rcptTo);
    } catch (err) {
      // A message the parser cannot read will not become readable on a retry: take it and log it.
      this.opts.logger?.warn({ err, rcptTo }, 'unreadable message at the bounce address dropped');
      return;
    }
    if (bounce === null) {
      // Auto-replies and other non-DSN mail to the bounce address carry nothing we act on.
      this.opts.logger?.info({ rcptTo }, 'non-DSN message at the bounce address dropped');
      return;
    }
    try {
      await this.opts.onBounce(bounce);
    } catch (err) {
      this.opts.logger?.warn({ err, bounce }, 'bounce not recorded, asking the sender to retry');
      throw smtpError(451, '4.3.0 Temporary failure, try again later');
    }
  }
}
