import nodemailer from 'nodemailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo, Transporter } from 'nodemailer';

export interface SmtpEndpoint {
  host: string;
  port: number;
  /** true for smtps:// (TLS from the first byte), false for smtp:// (STARTTLS when offered). */
  secure: boolean;
  /** true when the URL says ?starttls=off: plain text even if the server offers STARTTLS. */
  ignoreTLS: boolean;
  auth?: { user: string; pass: string };
}

export interface SmtpTransportOptions {
  url: string;
  maxConnections: number;
  maxMessages?: number;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** Accept a self-signed server certificate: for loopback test servers only. */
  allowSelfSigned?: boolean;
}

export type SmtpTransport = Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;

const DEFAULT_PORT = { 'smtp:': 587, 'smtps:': 465 } as const;

// The URL carries a password: errors name the host, never the whole URL.
function invalid(reason: string): Error {
  return new Error(`Invalid SMTP URL: ${reason} (expected smtp://user:pass@host:port or smtps://...)`);
}

/** Parses smtp://user:pass@host:port or smtps://... (?starttls=off allowed for smtp://). */
export function parseSmtpUrl(url: string): SmtpEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid('not a URL');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') {
    throw invalid(`scheme "${u.protocol}" is not smtp: or smtps:`);
  }
  const secure = u.protocol === 'smtps:';
  if (u.hostname === '') throw invalid('no host');
  if (u.pathname !== '' && u.pathname !== '/') throw invalid(`unexpected path on host ${u.hostname}`);
  if (u.hash !== '') throw invalid(`unexpected fragment on host ${u.hostname}`);
  // WHATWG URL already rejects ports above 65535; port 0 is syntactically valid but unusable.
  const port = u.port === '' ? DEFAULT_PORT[u.protocol] : Number(u.port);
  if (port === 0) throw invalid(`port 0 on host ${u.hostname}`);

  let ignoreTLS = false;
  for (const [key, value] of u.searchParams) {
    if (key !== 'starttls' || value !== 'off') {
      throw invalid(`unknown parameter "${key}=${value}" (only starttls=off is understood)`);
    }
    if (secure) throw invalid('starttls=off makes no sense with smtps://');
    ignoreTLS = true;
  }

  const endpoint: SmtpEndpoint = { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, secure, ignoreTLS };
  if (u.username !== '' || u.password !== '') {
    if (u.username === '') throw invalid(`password without user for host ${u.hostname}`);
    try {
      endpoint.auth = { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) };
    } catch {
      throw invalid(`bad percent-encoding in the credentials for host ${u.hostname}`);
    }
  }
  return endpoint;
}

/** A pooled nodemailer transporter: at most maxConnections SMTP sessions, reused across sends. */
export function createSmtpTransport(opts: SmtpTransportOptions): SmtpTransport {
  if (!Number.isInteger(opts.maxConnections) || opts.maxConnections < 1) {
    throw new Error(`maxConnections must be a positive integer, got ${opts.maxConnections}`);
  }
  if (opts.maxMessages !== undefined && (!Number.isInteger(opts.maxMessages) || opts.maxMessages < 1)) {
    throw new Error(`maxMessages must be a positive integer, got ${opts.maxMessages}`);
  }
  const endpoint = parseSmtpUrl(opts.url);
  return nodemailer.createTransport({
    pool: true,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    ignoreTLS: endpoint.ignoreTLS,
    auth: endpoint.auth,
    maxConnections: opts.maxConnections,
    maxMessages: opts.maxMessages,
    dkim: opts.dkim,
    tls: opts.allowSelfSigned === true ? { rejectUnauthorized: false } : undefined,
    // Our messages are plain text and HTML we composed: nothing may make the mailer read a
    // local file or fetch a URL on our behalf.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}
