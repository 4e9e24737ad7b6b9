// Finding a customer at the counter or on the phone: by customer number, invoice number, phone,
// email or name. Each way is one indexed look-up (primary keys; lower(address) and lower(name)
// with text_pattern_ops for prefixes), so it stays instant on 1.2 million customers.
import { sql, type Kysely } from 'kysely';
import { normalisePhone } from '../contacts/address.js';
import type { DB } from '../db/schema.js';

export type SearchBy = 'auto' | 'customer' | 'invoice' | 'phone' | 'email' | 'name';

export interface Found {
  customerNumber: string;
  name: string;
  town: string;
  street: string;
  customerClass: 'household' | 'business';
  /** How this customer matched (several ways may match one query). */
  matchedBy: Array<Exclude<SearchBy, 'auto'>>;
}

export const SEARCH_LIMIT = 50;

/** LIKE treats % _ and \ specially; a typed one must match itself. */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

const CUSTOMER = /^[0-9]{4,16}$/;
const INVOICE = /^[0-9A-Za-z/-]{1,30}$/;

/** Which look-ups a query can be: digits may be a customer, an invoice or a phone number at once. */
export function searchPlan(q: string, by: SearchBy): Array<Exclude<SearchBy, 'auto'>> {
  const s = q.trim();
  if (s === '') return [];
  if (by !== 'auto') return [by];
  const plan: Array<Exclude<SearchBy, 'auto'>> = [];
  if (CUSTOMER.test(s)) plan.push('customer');
  if (INVOICE.test(s)) plan.push('invoice');
  if (/^[+0-9][0-9 ()./-]{5,24}$/.test(s) && normalisePhone(s).ok) plan.push('phone');
  if (s.includes('@')) plan.push('email');
  if (plan.length === 0 && s.length >= 2) plan.push('name');
  return plan;
}

/**
 * The query that finds the customer numbers one way, or null when the text cannot be that. Exported
 * so a test can EXPLAIN exactly what runs.
 */
export function lookupQuery(db: Kysely<DB>, how: Exclude<SearchBy, 'auto'>, q: string) {
  const s = q.trim();
  switch (how) {
    case 'customer':
      return CUSTOMER.test(s) ? db.selectFrom('customers').select('customer_number').where('customer_number', '=', s) : null;
    case 'invoice':
      return INVOICE.test(s) ? db.selectFrom('invoices').select('customer_number').where('invoice_number', '=', s) : null;
    case 'phone': {
      const p = normalisePhone(s);
      if (!p.ok) return null;
      return db.selectFrom('subscriptions').select('customer_number').distinct().where(sql`lower(address)`, '=', p.address.toLowerCase()).limit(SEARCH_LIMIT);
    }
    case 'email':
      // The domain of stored emails is lower case, the local part as typed: compare both lowered.
      return db
        .selectFrom('subscriptions')
        .select('customer_number')
        .distinct()
        .where(sql`lower(address)`, 'like', likePrefix(s.toLowerCase()))
        .where('channel', '=', 'email')
        .limit(SEARCH_LIMIT);
    case 'name':
      if (s.length < 2) return null;
      return db
        .selectFrom('customers')
        .select('customer_number')
        .where(sql`lower(name)`, 'like', sql<string>`lower(${likePrefix(s.replace(/\s+/g, ' '))})`)
        .orderBy(sql`lower(name)`)
        .limit(SEARCH_LIMIT);
  }
}

export async function searchCustomers(db: Kysely<DB>, q: string, by: SearchBy = 'auto'): Promise<Found[]> {
  const matched = new Map<string, Found['matchedBy']>();
  for (const how of searchPlan(q, by)) {
    const rows = (await lookupQuery(db, how, q)?.execute()) ?? [];
    for (const { customer_number: n } of rows) matched.set(n, [...(matched.get(n) ?? []), how]);
  }
  if (matched.size === 0) return [];
  const rows = await db
    .selectFrom('customers')
    .select(['customer_number', 'name', 'town', 'street', 'customer_class'])
    .where('customer_number', 'in', [...matched.keys()].slice(0, SEARCH_LIMIT))
    .orderBy('name')
    .orderBy('customer_number')
    .execute();
  return rows.map((r) => ({ customerNumber: r.customer_number, name: r.name, town: r.town, street: r.street, customerClass: r.customer_class, matchedBy: matched.get(r.customer_number) ?? [] }));
}
