// The channel of a lifecycle message: the first of the policy's channels (sms, email) the customer
// has an active subscription for; the rest are the fallback, as for the overdue notices. One SQL
// fragment, joined to any set of customers, so every generator stays one INSERT ... SELECT (in a
// Kysely transaction or on a pg client of the payment import alike).

const CHANNELS = new Set(['sms', 'email']);

/** The policy's channels as an SQL array literal (only the two known names ever get in). */
function channelArray(channels: readonly string[]): string {
  for (const c of channels) if (!CHANNELS.has(c)) throw new Error(`not a lifecycle channel: ${c}`);
  return `ARRAY[${channels.map((c) => `'${c}'`).join(', ')}]::text[]`;
}

/**
 * Joins `sms`, `em` (the customer's active subscriptions) and `ch` (channel, fallback) for the
 * customer numbers in column `customerColumn`; rows without any of the channels drop out.
 */
export function channelJoin(customerColumn: string, channels: readonly string[]): string {
  const list = channelArray(channels);
  return `
      LEFT JOIN subscriptions sms ON sms.customer_number = ${customerColumn} AND sms.channel = 'sms' AND sms.status = 'active'
      LEFT JOIN subscriptions em ON em.customer_number = ${customerColumn} AND em.channel = 'email' AND em.status = 'active'
      CROSS JOIN LATERAL (
        SELECT u.c AS channel, (${list})[u.k::int + 1:] AS fallback
          FROM unnest(${list}) WITH ORDINALITY AS u(c, k)
         WHERE (u.c = 'sms' AND sms.id IS NOT NULL) OR (u.c = 'email' AND em.id IS NOT NULL)
         ORDER BY u.k LIMIT 1
      ) ch`;
}

/** The recipient, subscription and language of the chosen channel (after channelJoin). */
export const CHOSEN = `CASE ch.channel WHEN 'sms' THEN sms.address ELSE em.address END,
       CASE ch.channel WHEN 'sms' THEN sms.id ELSE em.id END,
       CASE ch.channel WHEN 'sms' THEN sms.lang ELSE em.lang END`;
