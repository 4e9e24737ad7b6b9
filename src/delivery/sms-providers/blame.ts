// Whose problem a refused SMS is. A permanent refusal that concerns the one number (no such
// destination, a destination the provider may not send to, a number we could not even put in the
// request) is the customer's: another provider would refuse it too, so it says nothing of the
// provider's health and must not push it towards failover. Everything else — no connection, no
// answer, throttling, temporary or account errors, a gateway answering with an HTTP error — is the
// provider's, and counts.
import { DeliveryError } from '../channels/types.js';
import { HttpSmsError } from '../http-sms/gateway.js';
import { isSmppError, type SmppError } from '../smpp/errors.js';

// command_status values (SMPP 3.4, section 5.1.3) that are about the destination address alone.
const DESTINATION_STATUSES = new Set<number>([
  0x0b, // ESME_RINVDSTADR: invalid destination address
  0x50, // ESME_RINVDSTTON: invalid destination TON
  0x51, // ESME_RINVDSTNPI: invalid destination NPI
  0x66, // ESME_RX_R_APPN: rejected by the recipient
  0x106, // ESME_RINVDSTADDRSUBUNIT: invalid destination address subunit
]);

function smppCause(e: unknown): SmppError | undefined {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 5; cur = cur.cause, depth++) if (isSmppError(cur)) return cur;
  return undefined;
}

/** A permanent refusal of this one number (or of this one message before it was sent): not the provider's failure. */
export function recipientRefusal(e: unknown): boolean {
  if (!(e instanceof DeliveryError) || e.kind !== 'permanent') return false;
  if (e instanceof HttpSmsError) {
    // A gateway's own code classed permanent: the presets and options class account problems
    // (credentials, credit, addresses not allowed to the account) as temporaryCodes.
    if (e.code !== undefined) return true;
    // No HTTP status: refused here before any request (not an E.164 number, no national form).
    return e.status === undefined && e.outcome === 'rejected';
  }
  const smpp = smppCause(e);
  if (smpp === undefined) return false;
  // The SMSC answered about the destination; or, without a status, the message was found unsendable
  // before any submit_sm (the number's form, the text's length).
  if (smpp.commandStatus !== undefined) return DESTINATION_STATUSES.has(smpp.commandStatus);
  return smpp.kind === 'permanent' && smpp.outcome === 'rejected';
}
