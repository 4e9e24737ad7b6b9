// Delivery receipts (SMPP 3.4 Appendix B). The format of the text is only a convention, so every
// field is optional and the receipted_message_id TLV wins over the text: some SMSCs put a decimal
// id in the text for a hexadecimal message_id in submit_sm_resp.

export interface Receipt {
  messageId: string;
  /** DELIVRD, UNDELIV, EXPIRED, REJECTD, DELETED, ACCEPTD, ENROUTE, UNKNOWN, ... as the SMSC sent it. */
  stat: string;
  err?: string;
  doneAt?: Date;
  /** The receipt text as received, for the audit trail. */
  raw: string;
}

export interface ReceiptInput {
  /** The receipted_message_id TLV. */
  receiptedMessageId?: string;
  /** The message_state TLV. */
  messageState?: number;
  text: string;
}

// message_state values (SMPP 3.4, 5.2.28) in the spelling receipts use for stat:.
const STATE_NAMES: Record<number, string> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

// The free-form text: part comes last and may itself contain "stat:" or "id:".
const TEXT_PART = /\btext:/i;
const FIELDS = { id: /(?:^|\s)id:(\S+)/i, stat: /(?:^|\s)stat:(\S+)/i, err: /(?:^|\s)err:(\S+)/i, done: /(?:^|\s)done date:(\S+)/i };

function fieldsOf(text: string): Record<keyof typeof FIELDS, string | undefined> {
  const head = text.split(TEXT_PART, 1)[0] ?? '';
  return { id: FIELDS.id.exec(head)?.[1], stat: FIELDS.stat.exec(head)?.[1], err: FIELDS.err.exec(head)?.[1], done: FIELDS.done.exec(head)?.[1] };
}

type ZoneOffset = (ms: number) => number;

// Receipts come by the thousand a second, and Intl's formatToParts costs microseconds: the offset
// is kept per quarter hour of UTC, the finest step at which any zone in use changes its offset
// (offsets and their changes fall on whole quarter hours).
const QUARTER_HOUR = 15 * 60 * 1000;

function zoneOffset(timeZone: string): ZoneOffset {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const of = (ms: number) => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year ?? NaN, (p.month ?? NaN) - 1, p.day, p.hour, p.minute, p.second);
    return wall - Math.floor(ms / 1000) * 1000;
  };
  const known = new Map<number, number>();
  return (ms) => {
    const quarter = Math.floor(ms / QUARTER_HOUR);
    let offset = known.get(quarter);
    if (offset === undefined) {
      if (known.size >= 1024) known.clear();
      offset = of(quarter * QUARTER_HOUR);
      known.set(quarter, offset);
    }
    return offset;
  };
}

// YYMMDDhhmm, sometimes with ss, in the SMSC's local time.
function parseDoneDate(value: string | undefined, offset: ZoneOffset): Date | undefined {
  const m = value === undefined ? null : /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? '0')) as [number, number, number, number, number, number];
  const wall = Date.UTC(2000 + y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  // Two passes settle the offset except inside a DST change, where an hour's ambiguity is accepted.
  return new Date(wall - offset(wall - offset(wall)));
}

/**
 * A parser for receipts from an SMSC whose clock shows `timeZone` (IANA name; throws RangeError
 * when unknown). It returns null when the receipt names no message id: nothing could be matched.
 */
export function receiptParser(timeZone: string): (input: ReceiptInput) => Receipt | null {
  const offset = zoneOffset(timeZone);
  return (input) => {
    const f = fieldsOf(input.text);
    const messageId = input.receiptedMessageId || f.id;
    if (!messageId) return null;
    const stat = f.stat ?? (input.messageState === undefined ? undefined : STATE_NAMES[input.messageState]);
    const receipt: Receipt = { messageId, stat: (stat ?? 'UNKNOWN').toUpperCase(), raw: input.text };
    if (f.err !== undefined) receipt.err = f.err;
    const doneAt = parseDoneDate(f.done, offset);
    if (doneAt !== undefined) receipt.doneAt = doneAt;
    return receipt;
  };
}
