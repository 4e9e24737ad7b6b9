import { normaliseEmail, normalisePhone } from '../../contacts/address.js';
import { date, digits, FieldError, oneOf, text } from '../fields.js';
import type { ImportKind } from '../import-kind.js';

// The utility's existing alert contacts (phones since 2011, emails since 2014) migrate in as active,
// with their original registration date as the time of consent and verification.
export const subscriptionsKind: ImportKind = {
  name: 'subscriptions',
  columns: [
    { name: 'customer_number', required: true },
    { name: 'channel', required: true },
    { name: 'address', required: true },
    { name: 'registered_at', required: true },
    { name: 'consent_version', required: false },
    { name: 'lang', required: false },
  ],
  staging: [
    ['customer_number', 'text'],
    ['channel', 'text'],
    ['address', 'text'],
    ['registered_at', 'timestamptz'],
    ['consent_version', 'text'],
    ['lang', 'text'],
  ],
  parse(v, field) {
    const customer = field('customer_number', (x) => digits(x, 4, 16));
    const channel = field('channel', (x) => oneOf(x, ['sms', 'email']));
    const address = field('address', (x) => {
      const r = channel === 'sms' ? normalisePhone(x ?? '') : normaliseEmail(x ?? '');
      if (!r.ok) throw new FieldError(`"${(x ?? '').trim()}" is ${r.reason}`);
      return r.address;
    });
    const registered = field('registered_at', (x) => `${date(x)} 00:00:00 Europe/Sofia`);
    const consent = field('consent_version', (x) => text(x, 50, { optional: true }) || 'legacy-import');
    const lang = field('lang', (x) => ((x ?? '').trim() === '' ? 'bg' : oneOf(x, ['bg', 'en'])));
    return [customer, channel, address, registered, consent, lang];
  },
  checks: [
    `SELECT s.line, 'channel' AS problem_field, 'a second ' || s.channel || ' contact for customer ' || s.customer_number || ', first on line ' || d.first_line AS problem
       FROM stage s JOIN (SELECT customer_number, channel, min(line) AS first_line FROM stage GROUP BY 1, 2 HAVING count(*) > 1) d
         ON s.customer_number = d.customer_number AND s.channel = d.channel AND s.line > d.first_line`,
    `SELECT s.line, 'customer_number' AS problem_field, 'unknown customer ' || s.customer_number AS problem
       FROM stage s WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_number = s.customer_number)`,
  ],
  async apply(client) {
    // A contact the customer has since cancelled stays cancelled: a migration never re-subscribes anyone.
    const skipped = await client.query(`
      DELETE FROM stage s USING subscriptions x
       WHERE x.customer_number = s.customer_number AND x.channel = s.channel AND x.address = s.address AND x.status = 'unsubscribed' AND x.end_reason = 'cancelled'
         AND NOT EXISTS (SELECT 1 FROM subscriptions a WHERE a.customer_number = s.customer_number AND a.channel = s.channel
                                                      AND a.address = s.address AND a.status = 'active')`);
    const unchanged = await client.query(`
      DELETE FROM stage s USING subscriptions x
       WHERE x.customer_number = s.customer_number AND x.channel = s.channel AND x.address = s.address AND x.status = 'active'`);
    const replaced = await client.query(`
      UPDATE subscriptions x SET status = 'unsubscribed', ended_at = now(), end_reason = 'replaced', updated_at = now()
        FROM stage s WHERE x.customer_number = s.customer_number AND x.channel = s.channel AND x.status = 'active'`);
    const inserted = await client.query(`
      INSERT INTO subscriptions (customer_number, channel, address, status, verified_at, source, consent_version, consent_at, lang, created_at)
      SELECT customer_number, channel, address, 'active', registered_at, 'import', consent_version, registered_at, lang, registered_at FROM stage`);
    const upd = replaced.rowCount ?? 0;
    return {
      inserted: (inserted.rowCount ?? 0) - upd,
      updated: upd,
      unchanged: unchanged.rowCount ?? 0,
      skipped: skipped.rowCount ?? 0,
    };
  },
};
