// Where a notice's {{pay_url}} leads: the utility's (or its payment provider's) page when
// PAY_URL_TEMPLATE is set, else the portal's payment page for the notice, /p/<ref>. The ref is
// random (72 bits, written with the notice by the daily run), so a link names nothing and cannot
// be guessed; it is looked up, never decoded.

/** The placeholders PAY_URL_TEMPLATE may use. */
export const PAY_URL_PLACEHOLDERS = ['customer_number', 'amount', 'invoice'] as const;

export interface PayUrlValues {
  customerNumber: string;
  /** Euro cents: written as 123.45. */
  amountMinor: number;
  /** The oldest overdue invoice of the notice ('' if none). */
  invoice: string;
}

/** Fills {customer_number}, {amount} and {invoice}; values are URL-encoded, other text is kept as written. */
export function fillPayUrlTemplate(template: string, v: PayUrlValues): string {
  const amount = `${Math.trunc(v.amountMinor / 100)}.${String(Math.abs(v.amountMinor) % 100).padStart(2, '0')}`;
  const values: Record<(typeof PAY_URL_PLACEHOLDERS)[number], string> = { customer_number: v.customerNumber, amount, invoice: v.invoice };
  return template.replace(/\{(customer_number|amount|invoice)\}/g, (_m, name: keyof typeof values) => encodeURIComponent(values[name]));
}

/** A ref as the run writes it: 12 base64url characters. */
export const PAY_REF = /^[A-Za-z0-9_-]{12}$/;

/** The SQL expression the run writes a new ref with: 9 random bytes of a v4 UUID (pg_strong_random), base64url. */
export const PAY_REF_SQL = "translate(encode(substring(uuid_send(gen_random_uuid()) from 1 for 6) || substring(uuid_send(gen_random_uuid()) from 11 for 3), 'base64'), '+/', '-_')";

export const PAY_PAGE_PREFIX = '/p/';

export function payPageUrl(publicUrl: string, ref: string): string {
  return `${publicUrl.replace(/\/$/, '')}${PAY_PAGE_PREFIX}${ref}`;
}
