// Parts of concatenated messages the SMSC accepted in an attempt that then failed (a sibling still
// refused at the end of the reassembly time). The next attempt of the same message sends only the
// other parts, under the same reference, so the handset completes the message from what it holds
// instead of keeping a fragment and getting a second copy. In memory: after a restart the message
// goes whole again, under the same reference (the channel derives it from the message id).
import { createHash } from 'node:crypto';

export interface AcceptedPart {
  seq: number;
  id: string;
}

interface Partial {
  digest: string;
  accepted: Map<number, string>;
  at: number;
}

// A handset may drop a fragment after a while; sending only the missing parts then would leave the
// message incomplete for good, so past this the whole message goes again instead.
const RESUME_MS = 10 * 60_000;
const MAX_KEPT = 10_000;

/** Identifies a message's parts exactly: a re-rendered text that differs is sent whole. */
export function partsDigest(parts: readonly Buffer[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(String(p.length)).update(':').update(p);
  return h.digest('base64url');
}

export function partialParts(now: () => number = Date.now) {
  const kept = new Map<number, Partial>();
  return {
    /** The parts an earlier attempt of this message got accepted, if still usable; forgets them. */
    take(messageId: number, digest: string): Map<number, string> | undefined {
      const p = kept.get(messageId);
      kept.delete(messageId);
      return p && p.digest === digest && now() - p.at < RESUME_MS ? p.accepted : undefined;
    },
    keep(messageId: number, digest: string, earlier: Map<number, string> | undefined, accepted: readonly AcceptedPart[]): void {
      const all = new Map(earlier ?? []);
      for (const a of accepted) all.set(a.seq, a.id);
      if (all.size === 0) return;
      kept.delete(messageId);
      kept.set(messageId, { digest, accepted: all, at: now() });
      // The oldest go first (a Map keeps insertion order).
      for (const oldest of kept.keys()) {
        if (kept.size <= MAX_KEPT) break;
        kept.delete(oldest);
      }
    },
  };
}
