import { simpleParser } from 'mailparser';
import type { Attachment, StructuredHeader } from 'mailparser';
import { MESSAGE_ID_HEADER, parseVerp } from './compose.js';

export interface Bounce {
  /** Outbox row id, from the VERP recipient or the returned headers; null when neither names one. */
  messageId: number | null;
  recipient?: string;
  /** failed, delayed, delivered, relayed or expanded (RFC 3464 section 2.3.3). */
  action: string;
  /** Enhanced status code, e.g. 5.1.1. */
  status: string;
  /** Permanent: the action is failed and the status class is 5. */
  hard: boolean;
  diagnostic?: string;
}

// RFC 6533 reports for internationalised mail use the global-* types with the same fields.
const REPORT_TYPES = new Set(['delivery-status', 'global-delivery-status']);
const STATUS_PARTS = new Set(['message/delivery-status', 'message/global-delivery-status']);
const RETURNED_PARTS = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);

type Fields = Map<string, string>;

/**
 * Header-style field groups: blank lines separate groups, continuation lines are unfolded,
 * names are lower-cased. Parses both the delivery-status body (per-message group then one
 * group per recipient) and the returned message's header block.
 */
function fieldGroups(text: string): Fields[] {
  const groups: Fields[] = [];
  let current: Fields | null = null;
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      current = null;
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line) && current !== null && last !== null) {
      current.set(last, `${current.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (current === null) {
      current = new Map();
      groups.push(current);
    }
    last = line.slice(0, colon).trim().toLowerCase();
    // The first occurrence wins, as for the message's own single-instance headers.
    if (!current.has(last)) current.set(last, line.slice(colon + 1).trim());
  }
  return groups;
}

/** "rfc822; user@example.bg" → "user@example.bg"; "smtp; 550 5.1.1 ..." → "550 5.1.1 ...". */
function withoutType(value: string): string {
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim();
}

function returnedHeaders(attachments: Attachment[]): Fields | undefined {
  const part = attachments.find((a) => RETURNED_PARTS.has(a.contentType.toLowerCase()));
  if (part === undefined) return undefined;
  // Only the header block is needed, and it is ASCII (or UTF-8 for message/global).
  const text = part.content.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return fieldGroups(end >= 0 ? text.slice(0, end) : text)[0];
}

function idFromReturned(headers: Fields | undefined): number | null {
  if (headers === undefined) return null;
  const own = headers.get(MESSAGE_ID_HEADER.toLowerCase());
  if (own !== undefined && /^\d{1,15}$/.test(own) && Number(own) >= 1) return Number(own);
  // compose.ts builds <{key}.{id}@{domain}>: the id is the digits before the @.
  const m = /\.(\d{1,15})@[^>]*>?\s*$/.exec(headers.get('message-id') ?? '');
  return m !== null && Number(m[1]) >= 1 ? Number(m[1]) : null;
}

function isDeliveryReport(contentType: unknown): boolean {
  if (typeof contentType !== 'object' || contentType === null || !('value' in contentType)) return false;
  const ct = contentType as StructuredHeader;
  return ct.value.toLowerCase() === 'multipart/report' && REPORT_TYPES.has((ct.params['report-type'] ?? '').toLowerCase());
}

/**
 * Reads an RFC 3464 delivery status notification. Returns null for anything else (auto-replies,
 * other reports, spam sent to the bounce address). rcptTo is the envelope recipient the report
 * arrived for: its VERP address names our outbox row most reliably.
 */
export async function parseBounce(raw: Buffer | string, rcptTo?: string): Promise<Bounce | null> {
  const parsed = await simpleParser(raw, {
    keepDeliveryStatus: true,
    ignoreEmbedded: true,
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    checksumAlgo: false,
  });
  if (!isDeliveryReport(parsed.headers.get('content-type'))) return null;
  const statusPart = parsed.attachments.find((a) => STATUS_PARTS.has(a.contentType.toLowerCase()));
  if (statusPart === undefined) return null;

  // The first group describes the reporting MTA and has no Action; each following one is a recipient.
  const recipients = fieldGroups(statusPart.content.toString('utf8')).filter((g) => g.has('action') && g.has('status'));
  // We send one recipient per message, but a report may list several: the failure matters most.
  const chosen = recipients.find((g) => g.get('action')?.toLowerCase() === 'failed') ?? recipients[0];
  if (chosen === undefined) return null;

  const action = (chosen.get('action') ?? '').toLowerCase();
  const status = /\d\.\d{1,3}\.\d{1,3}/.exec(chosen.get('status') ?? '')?.[0] ?? (chosen.get('status') ?? '');
  const fromVerp = rcptTo === undefined ? null : parseVerp(rcptTo);
  const bounce: Bounce = {
    messageId: fromVerp ?? idFromReturned(returnedHeaders(parsed.attachments)),
    action,
    status,
    hard: action === 'failed' && status.startsWith('5.'),
  };
  const recipient = chosen.get('final-recipient') ?? chosen.get('original-recipient');
  if (recipient !== undefined) bounce.recipient = withoutType(recipient);
  const diagnostic = chosen.get('diagnostic-code');
  if (diagnostic !== undefined) bounce.diagnostic = withoutType(diagnostic);
  return bounce;
}
