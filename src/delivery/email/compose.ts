import type { SendMailOptions } from 'nodemailer';

export interface EmailInput {
  /** Our unique business key, e.g. 'overdue:1234567890:2026-11-24:1'. */
  messageKey: string;
  /** Outbox row id. */
  messageId: number;
  to: string;
  /** e.g. '"ЕНЕРГО-ПРО Известия" <izvestia@example.bg>' */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Right-hand side of the Message-ID. */
  domain: string;
  /** HTTPS endpoint that unsubscribes on a POST (RFC 8058 one-click). */
  unsubscribeUrl?: string;
  /** Address or mailto: URL for List-Unsubscribe. */
  unsubscribeMailto?: string;
  /** Domain of the VERP return path; without it the envelope sender is the From address. */
  bounceDomain?: string;
}

/** Header that carries the outbox id, so a bounce that quotes our headers can be matched. */
export const MESSAGE_ID_HEADER = 'X-Izvestie-Message-Id';

const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const VERP = /^bounce\+(\d{1,15})@([^@\s]+)$/i;

function checkMessageId(messageId: number): void {
  if (!Number.isSafeInteger(messageId) || messageId < 1) {
    throw new Error(`messageId must be a positive integer, got ${messageId}`);
  }
}

function checkDomain(domain: string, what: string): void {
  if (!DOMAIN.test(domain)) throw new Error(`${what} is not a valid domain name: ${JSON.stringify(domain)}`);
}

/** The VERP envelope sender for one outbox message: bounce+{messageId}@{domain}. */
export function verpAddress(messageId: number, domain: string): string {
  checkMessageId(messageId);
  checkDomain(domain, 'bounce domain');
  return `bounce+${messageId}@${domain}`;
}

/** The outbox id in a VERP address, or null when the address is not one of ours. */
export function parseVerp(address: string): number | null {
  const m = VERP.exec(address.trim().replace(/^<(.*)>$/, '$1'));
  if (m === null) return null;
  const id = Number(m[1]);
  return id >= 1 ? id : null;
}

/**
 * Message-ID derived from the business key and outbox id only, so a resend after a crash carries
 * the same Message-ID and the receiving side (and our bounce matching) sees one message.
 * Characters that may not appear in a dot-atom are replaced; the outbox id keeps it unique.
 */
export function stableMessageId(messageKey: string, messageId: number, domain: string): string {
  checkMessageId(messageId);
  checkDomain(domain, 'Message-ID domain');
  const left = messageKey.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'msg';
  return `<${left}.${messageId}@${domain}>`;
}

function unsubscribeHttps(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`unsubscribeUrl is not a URL: ${JSON.stringify(url)}`);
  }
  // RFC 8058 one-click needs HTTPS; the URL serialiser percent-encodes < > and spaces, so the
  // value cannot break out of its angle brackets.
  if (u.protocol !== 'https:') throw new Error('unsubscribeUrl must be an https:// URL (RFC 8058)');
  return u.href;
}

function unsubscribeMailto(value: string): string {
  const mailto = /^mailto:/i.test(value) ? value : `mailto:${value}`;
  if (/[\s<>,]/.test(mailto) || !mailto.includes('@')) {
    throw new Error(`unsubscribeMailto is not a usable address: ${JSON.stringify(value)}`);
  }
  return mailto;
}

/** The nodemailer message for one outbox row: UTF-8 text and HTML, stable id, list and bounce headers. */
export function composeEmail(input: EmailInput): SendMailOptions {
  const headers: Record<string, string> = {
    // RFC 3834: auto-responders must not answer machine-generated mail.
    'Auto-Submitted': 'auto-generated',
    [MESSAGE_ID_HEADER]: String(input.messageId),
  };
  const unsubscribe: string[] = [];
  if (input.unsubscribeUrl !== undefined) unsubscribe.push(unsubscribeHttps(input.unsubscribeUrl));
  if (input.unsubscribeMailto !== undefined) unsubscribe.push(unsubscribeMailto(input.unsubscribeMailto));
  if (unsubscribe.length > 0) headers['List-Unsubscribe'] = unsubscribe.map((u) => `<${u}>`).join(', ');
  if (input.unsubscribeUrl !== undefined) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';

  const mail: SendMailOptions = {
    messageId: stableMessageId(input.messageKey, input.messageId, input.domain),
    from: input.from,
    to: input.to,
    subject: input.subject,
    text: input.text,
    html: input.html,
    headers,
  };
  if (input.bounceDomain !== undefined) {
    // Only the envelope sender changes: bounces come back to an address that names the outbox
    // row, while the reader still sees the configured From.
    mail.envelope = { from: verpAddress(input.messageId, input.bounceDomain), to: input.to };
  }
  return mail;
}
