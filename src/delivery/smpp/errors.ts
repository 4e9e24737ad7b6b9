// SMPP failures in the two dimensions a sender acts on: may it retry (kind), and may the SMSC
// already have the message (outcome). A retry after outcome 'unknown' can deliver a duplicate.

/** command_status values (SMPP 3.4, section 5.1.3) this project names. */
export const status = {
  ESME_ROK: 0x00,
  ESME_RINVBNDSTS: 0x04,
  ESME_RINVPASWD: 0x0e,
  ESME_RMSGQFUL: 0x14,
  ESME_RTHROTTLED: 0x58,
} as const;

// Refusals that only say "not now": the same submit_sm is expected to pass a moment later.
const TEMPORARY = new Set<number>([status.ESME_RTHROTTLED, status.ESME_RMSGQFUL]);

// Statuses that say the request itself is wrong: sending it again cannot succeed. Everything not
// listed (including statuses unknown to us) is treated as transient, so a message is never given
// up on because of an SMSC's vendor-specific code.
const PERMANENT = new Set<number>([
  0x01, // ESME_RINVMSGLEN
  0x02, // ESME_RINVCMDLEN
  0x03, // ESME_RINVCMDID
  0x06, // ESME_RINVPRTFLG
  0x07, // ESME_RINVREGDLVFLG
  0x0a, // ESME_RINVSRCADR
  0x0b, // ESME_RINVDSTADR
  0x15, // ESME_RINVSERTYP
  0x33, // ESME_RINVNUMDESTS
  0x43, // ESME_RINVESMCLASS
  0x48, // ESME_RINVSRCTON
  0x49, // ESME_RINVSRCNPI
  0x50, // ESME_RINVDSTTON
  0x51, // ESME_RINVDSTNPI
  0x53, // ESME_RINVSYSTYP
  0x54, // ESME_RINVREPFLAG
  0x61, // ESME_RINVSCHED
  0x62, // ESME_RINVEXPIRY
  0x63, // ESME_RINVDFTMSGID
  0x65, // ESME_RX_P_APPN: permanent application error
  0x66, // ESME_RX_R_APPN: rejected by the recipient
  0xc0, // ESME_RINVTLVSTREAM
  0xc1, // ESME_RTLVNOTALLWD
  0xc2, // ESME_RINVTLVLEN
  0xc3, // ESME_RMISSINGTLV
  0xc4, // ESME_RINVTLVVAL
  0x101, // ESME_RPROHIBITED
  0x104, // ESME_RINVDCS
  0x105, // ESME_RINVSRCADDRSUBUNIT
  0x106, // ESME_RINVDSTADDRSUBUNIT
]);

export type SmppErrorKind = 'transient' | 'permanent';
/** 'rejected': the SMSC did not take the message. 'unknown': it may have (no answer was seen). */
export type SmppOutcome = 'rejected' | 'unknown';

export class SmppError extends Error {
  constructor(
    message: string,
    readonly kind: SmppErrorKind,
    readonly outcome: SmppOutcome,
    readonly commandStatus?: number,
    /** Parts of a concatenated message the SMSC accepted before it failed (part number, message_id). */
    readonly accepted?: ReadonlyArray<{ seq: number; id: string }>,
  ) {
    super(message);
    this.name = 'SmppError';
  }
}

export function isSmppError(e: unknown): e is SmppError {
  return e instanceof SmppError;
}

export function statusKind(commandStatus: number): SmppErrorKind {
  return PERMANENT.has(commandStatus) ? 'permanent' : 'transient';
}

function hex(commandStatus: number): string {
  return `0x${commandStatus.toString(16).padStart(8, '0')}`;
}

/** The error for a response with a non-zero command_status: the SMSC answered, so it refused. */
export function statusError(command: string, commandStatus: number): SmppError {
  return new SmppError(`${command} refused with command_status ${hex(commandStatus)}`, statusKind(commandStatus), 'rejected', commandStatus);
}

/**
 * The SMSC refused for now (throttled, queue full), or the part was never written (not bound):
 * nothing of it reached the SMSC, and the same PDU may be sent again shortly.
 */
export function refusedForNow(e: unknown): boolean {
  if (!isSmppError(e) || e.outcome !== 'rejected' || e.kind !== 'transient') return false;
  return e.commandStatus === undefined || TEMPORARY.has(e.commandStatus);
}
