import { normaliseEmail, normalisePhone } from '../contacts/address.js';
import type { ContactChannel } from './flow-store.js';

/**
 * A contact as typed → its stored form: a Bulgarian mobile (0888…, +359888…, 00359888…) as
 * E.164, an email with its domain in lower case. null when it is not one.
 */
export function parseContact(channel: ContactChannel, input: string): string | null {
  const r = channel === 'sms' ? normalisePhone(input) : normaliseEmail(input);
  return r.ok ? r.address : null;
}
