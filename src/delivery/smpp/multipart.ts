// The submit_sm of one message, parts included. A concatenated SMS is reassembled by the handset
// from parts sharing a reference: if one part is refused after its siblings were accepted and the
// whole message is sent again later under a new reference, the accepted parts stay on the handset
// as a fragment nobody completes (issue 14: 104 of 2,552 messages with every 40th submit
// throttled). So a part refused only for now (ESME_RTHROTTLED, ESME_RMSGQFUL, link down before it
// was written) is sent again by itself, same reference and part number, within the reassembly time.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from './backoff.js';
import { SmppError, isSmppError, refusedForNow } from './errors.js';

export interface PartLink {
  /** Takes a send-window slot; rejects (nothing sent) while unbound. */
  slot(): Promise<void>;
  /** Gives an unused slot back. */
  release(): void;
  /** Writes one submit_sm on a slot taken with slot(), frees the slot, resolves with its message_id. */
  send(fields: Record<string, unknown>): Promise<string>;
  /** Resolves once bound; rejects after `ms` or when the session stops. */
  ready(ms: number): Promise<void>;
}

export interface PartRetry {
  /** A refused part is sent again only until this long after the message started. */
  reassemblyMs: number;
  minDelayMs: number;
  maxDelayMs: number;
  onRetry?: (info: { seq: number; attempt: number; delayMs: number; error: SmppError }) => void;
  now?: () => number;
}

/** One submit_sm of a message: its part number (1-based) and fields. */
export interface NumberedPart {
  seq: number;
  fields: Record<string, unknown>;
}

/**
 * Sends the parts given (all of a message, or those an earlier attempt left unsent: `total` is the
 * message's count) and resolves with their message_ids in order. A single-part message is not
 * retried here: nothing of it can be left on a handset, so the worker's own retry is the cleaner
 * one (recorded as an attempt). A failure after some parts were accepted, or with an answer lost,
 * rejects with outcome 'unknown'.
 */
export async function submitParts(parts: readonly NumberedPart[], total: number, link: PartLink, retry: PartRetry): Promise<{ messageIds: string[] }> {
  const now = retry.now ?? Date.now;
  const deadline = now() + retry.reassemblyMs;
  const ids: Array<string | undefined> = new Array<string | undefined>(parts.length);
  let failure: unknown;
  let unknown = false;
  const fail = (e: unknown): void => {
    failure ??= e;
    if (isSmppError(e) && e.outcome === 'unknown') unknown = true;
  };

  // Holds a slot on entry; settles into ids / failure, never rejects (a rejection nobody awaits yet
  // would crash the process while a later part still waits for its slot).
  const sendOne = async (i: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        ids[i] = await link.send(parts[i]!.fields);
        return;
      } catch (e) {
        const delayMs = backoffDelay(attempt, retry.minDelayMs, retry.maxDelayMs);
        if (total === 1 || failure !== undefined || !refusedForNow(e) || now() + delayMs >= deadline) return fail(e);
        retry.onRetry?.({ seq: parts[i]!.seq, attempt: attempt + 1, delayMs, error: e as SmppError });
        await sleep(delayMs);
      }
      try {
        if (failure !== undefined) return; // a sibling failed for good: this part would be useless
        await link.ready(Math.max(1, deadline - now()));
        await link.slot();
      } catch (e) {
        return fail(e);
      }
      if (failure !== undefined) {
        link.release();
        return;
      }
    }
  };

  const sending: Array<Promise<void>> = [];
  for (let i = 0; i < parts.length; i++) {
    try {
      await link.slot();
    } catch (e) {
      fail(e);
      break;
    }
    if (failure !== undefined) {
      link.release(); // an earlier part failed while this one waited: the rest is useless
      break;
    }
    sending.push(sendOne(i));
  }
  await Promise.all(sending);
  const messageIds = ids.filter((id): id is string => id !== undefined);
  if (failure === undefined) return { messageIds };
  const error = isSmppError(failure) ? failure : new SmppError(String(failure), 'transient', 'unknown');
  const accepted = parts.flatMap((p, i) => (ids[i] === undefined ? [] : [{ seq: p.seq, id: ids[i]! }]));
  if (error.outcome === 'rejected' && (accepted.length > 0 || unknown)) {
    // Given up with parts on the handset, which may show them as a fragment: the attempt's error
    // says so. The error lists the accepted parts, so that the next attempt sends only the others,
    // under the same reference (see the SMPP channel); after a crash the whole message goes again
    // under the same reference (the channel derives it from the message id).
    const said = `${total - parts.length + accepted.length} of ${total} parts accepted; the handset may show a fragment until the rest is sent`;
    throw new SmppError(`${error.message} (${said})`, error.kind, 'unknown', error.commandStatus, accepted);
  }
  throw error;
}
