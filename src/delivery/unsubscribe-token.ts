import { createHmac, timingSafeEqual } from 'node:crypto';

// One-click unsubscribe links (RFC 8058) carry the subscription id and an HMAC of it, so a link
// works without a session and cannot be forged for another subscription.
export function unsubscribeToken(secret: Buffer, subscriptionId: number): string {
  const mac = createHmac('sha256', secret).update(`unsubscribe:${subscriptionId}`).digest('base64url').slice(0, 22);
  return `${subscriptionId}.${mac}`;
}

export function verifyUnsubscribeToken(secret: Buffer, token: string): number | null {
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return null;
  const id = Number(m[1]);
  const expected = Buffer.from(unsubscribeToken(secret, id));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}
