import { SmppError } from './errors.js';

export interface SmsToSend {
  /** E.164, e.g. +359888123456. */
  to: string;
  /** Already encoded payloads, one per SMS: unpacked GSM-7 septets or UCS-2 big-endian. */
  parts: Buffer[];
  /** 0: GSM-7 default alphabet, 8: UCS-2. */
  dataCoding: 0 | 8;
  registeredDelivery?: boolean;
  /**
   * Concatenation reference (0-255) of a multi-part message; default: the session's next one. The
   * same message sent again under the same reference lets a handset holding some of its parts
   * from an earlier attempt complete it instead of keeping a fragment.
   */
  reference?: number;
  /**
   * Part numbers (1-based) an earlier attempt got accepted under the same reference: not sent
   * again, so the handset holding them completes the message without duplicates.
   */
  alreadyAccepted?: readonly number[];
}

export interface SourceAddress {
  addr: string;
  ton: number;
  npi: number;
}

const TON_INTERNATIONAL = 1;
const NPI_ISDN = 1;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;
const ESM_UDHI = 0x40;
const UDH_LENGTH = 6;
// Octets (unpacked septets for GSM-7) one SMS can carry, alone and with the 6-byte UDH: the UDH
// takes 7 septets of GSM-7's 160, leaving 153; 6 of UCS-2's 140 octets, leaving 134.
const MAX_SINGLE = { 0: 160, 8: 140 } as const;
const MAX_PART = { 0: 153, 8: 134 } as const;

function invalid(reason: string): SmppError {
  return new SmppError(`message not sent: ${reason}`, 'permanent', 'rejected');
}

/** Numeric senders are international numbers; anything else is an alphanumeric sender id. */
export function sourceAddress(addr: string, ton?: number, npi?: number): SourceAddress {
  const numeric = /^\d+$/.test(addr);
  if (!/^[\x20-\x7e]{1,20}$/.test(addr) || (!numeric && addr.length > 11)) {
    throw new RangeError(`source address must be up to 20 digits or 11 ASCII characters, got ${JSON.stringify(addr)}`);
  }
  return {
    addr,
    ton: ton ?? (numeric ? TON_INTERNATIONAL : TON_ALPHANUMERIC),
    npi: npi ?? (numeric ? NPI_ISDN : NPI_UNKNOWN),
  };
}

/**
 * The submit_sm fields for each part, in order. `ref` is the concatenation reference (0-255),
 * used only when there is more than one part. Throws a permanent SmppError for a message the
 * SMSC would refuse anyway.
 */
export function submitSmFields(msg: SmsToSend, source: SourceAddress, ref: number): Array<Record<string, unknown>> {
  if (!/^\+[1-9]\d{6,14}$/.test(msg.to)) throw invalid(`destination ${JSON.stringify(msg.to)} is not an E.164 number`);
  if (msg.dataCoding !== 0 && msg.dataCoding !== 8) throw invalid(`data_coding ${String(msg.dataCoding)} is neither 0 nor 8`);
  const total = msg.parts.length;
  if (total === 0 || total > 255) throw invalid(`${total} parts (1 to 255 allowed)`);
  const max = total === 1 ? MAX_SINGLE[msg.dataCoding] : MAX_PART[msg.dataCoding];
  const tooLong = msg.parts.findIndex((p) => p.length === 0 || p.length > max);
  if (tooLong >= 0) throw invalid(`part ${tooLong + 1} has ${msg.parts[tooLong]?.length} octets (1 to ${max} allowed)`);

  return msg.parts.map((part, i) => ({
    source_addr_ton: source.ton,
    source_addr_npi: source.npi,
    source_addr: source.addr,
    dest_addr_ton: TON_INTERNATIONAL,
    dest_addr_npi: NPI_ISDN,
    destination_addr: msg.to.slice(1),
    esm_class: total > 1 ? ESM_UDHI : 0,
    registered_delivery: msg.registeredDelivery ? 1 : 0,
    // Always explicit: left out, the package picks an encoding itself (1 for GSM-7 text).
    data_coding: msg.dataCoding,
    // A Buffer passes through the package untouched; a string would be re-encoded.
    short_message: total > 1 ? Buffer.concat([Buffer.from([UDH_LENGTH - 1, 0x00, 0x03, ref & 0xff, total, i + 1]), part]) : part,
  }));
}
