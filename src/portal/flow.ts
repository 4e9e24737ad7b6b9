// The portal's operations, shared by the web pages and the app's JSON API: prove the customer
// number with an invoice, send codes, verify them, change and cancel. Each works on a flow and
// saves it; each refusal is a PortalRefusal.
import { sameContact } from '../contacts/address.js';
import { compareCode, issueCode, newCode, recordTry } from './codes.js';
import { consent } from './consent.js';
import type { PortalDeps } from './deps.js';
import { saveFlow, type Awaiting, type ContactChannel, type Flow } from './flow-store.js';
import { checkIdentity } from './identity.js';
import { PortalRefusal } from './refusal.js';
import { activate, activeContacts, cancel, contactAtCap, createPending, isActive, type Actor, type LiveContact } from './subscriptions.js';

export interface FlowContext {
  deps: PortalDeps;
  flow: Flow;
  actor: Actor;
}

export type Purpose = 'register' | 'manage';

function customerOf(flow: Flow): string {
  if (flow.data.customer === undefined) throw new PortalRefusal('wrong_step');
  return flow.data.customer;
}

function authenticatedCustomer(flow: Flow): string {
  const customer = customerOf(flow);
  if (flow.data.purpose !== 'manage' || flow.data.authenticated !== true) throw new PortalRefusal('wrong_step');
  return customer;
}

/**
 * Step one of both flows: the customer number and an invoice number. Throws the refusal, which
 * says nothing about which part was wrong.
 */
export async function proveCustomer(deps: PortalDeps, ip: string, a: { customerNumber: string; invoiceNumber: string }): Promise<void> {
  const r = await checkIdentity(deps.db, deps.config.portal, { customerNumber: a.customerNumber, invoiceNumber: a.invoiceNumber, ip, now: deps.now() });
  if (!r.ok) throw new PortalRefusal(r.reason, r.reason === 'rate_limited' ? { retryAfterSeconds: r.retryAfterSeconds } : {});
}

/** The flow starts over for a proven customer; on a refusal nothing about it changes. */
export async function identify(ctx: FlowContext, a: { purpose: Purpose; customerNumber: string; invoiceNumber: string }): Promise<void> {
  const { deps, flow } = ctx;
  await proveCustomer(deps, ctx.actor.ip, a);
  const { lang, csrf } = flow.data;
  flow.data = { lang, ...(csrf === undefined ? {} : { csrf }), purpose: a.purpose, customerInput: a.customerNumber, customer: a.customerNumber };
  await saveFlow(deps.db, flow, deps.now());
}

export type ContactAction = 'register' | 'add' | 'change';

/**
 * New contacts for the customer: a pending subscription and a code for each, in one transaction.
 * register: the proven customer (an active contact of the same channel is replaced once verified);
 * add: a channel the authenticated customer lacks; change: a channel the customer has. A change
 * needs no earlier login: it is also the way in when a contact is lost, and the old contact is told.
 */
export async function requestContactCodes(
  ctx: FlowContext,
  a: { action: ContactAction; contacts: ReadonlyArray<{ channel: ContactChannel; address: string }>; consentVersion?: string },
): Promise<Awaiting[]> {
  const { deps, flow } = ctx;
  const customer = a.action === 'add' ? authenticatedCustomer(flow) : customerOf(flow);
  if (a.contacts.length === 0 || new Set(a.contacts.map((c) => c.channel)).size !== a.contacts.length) throw new PortalRefusal('wrong_step');
  const active = await activeContacts(deps.db, customer);
  const plans: Array<{ channel: ContactChannel; address: string; consentVersion: string }> = [];
  for (const c of a.contacts) {
    const current = active.find((s) => s.channel === c.channel);
    if (current && sameContact(current.address, c.address)) throw new PortalRefusal('same_contact');
    if ((a.action === 'add' && current) || (a.action === 'change' && !current)) throw new PortalRefusal('wrong_step');
    if (await contactAtCap(deps.db, c.address, customer, deps.config.portal.contactMaxCustomers)) throw new PortalRefusal('contact_cap');
    // A changed contact keeps the consent given for the one it replaces; a new one needs today's.
    let consentVersion = consent.version;
    if (current && a.action === 'change') consentVersion = current.consentVersion;
    else if (a.consentVersion !== consent.version) throw new PortalRefusal('consent_required');
    plans.push({ ...c, consentVersion });
  }
  const secrets = await Promise.all(plans.map(() => newCode()));
  const now = deps.now();
  const awaiting = await deps.db.transaction().execute(async (tx) => {
    const out: Awaiting[] = [];
    // The SMS code last: the SMS budget's lock is then the last one the transaction takes.
    const order = [...plans.keys()].sort((x, y) => Number(plans[x]!.channel === 'sms') - Number(plans[y]!.channel === 'sms'));
    for (const i of order) {
      const p = plans[i]!;
      const subscriptionId = await createPending(tx, { customer, channel: p.channel, address: p.address, consentVersion: p.consentVersion, lang: flow.data.lang, now });
      const code = await issueCode(
        tx,
        deps,
        { sessionHash: flow.hash, customerNumber: customer, channel: p.channel, address: p.address, purpose: a.action, subscriptionId, lang: flow.data.lang, ip: ctx.actor.ip, now },
        secrets[i]!,
      );
      out[i] = { channel: p.channel, address: p.address, action: a.action, subscriptionId, codeId: code.codeId, codeExpiresAt: code.expiresAt.toISOString() };
    }
    return out;
  });
  flow.data.awaiting = awaiting;
  await saveFlow(deps.db, flow, now);
  return awaiting;
}

/** Manage: a code to one of the customer's current contacts, to prove it is them. */
export async function sendLoginCode(ctx: FlowContext, channel: ContactChannel): Promise<Awaiting> {
  const { deps, flow } = ctx;
  const customer = customerOf(flow);
  if (flow.data.purpose !== 'manage') throw new PortalRefusal('wrong_step');
  const current = (await activeContacts(deps.db, customer)).find((s) => s.channel === channel);
  if (!current) throw new PortalRefusal('wrong_step');
  const secret = await newCode();
  const now = deps.now();
  const code = await deps.db.transaction().execute((tx) =>
    issueCode(
      tx,
      deps,
      { sessionHash: flow.hash, customerNumber: customer, channel, address: current.address, purpose: 'login', subscriptionId: current.id, lang: flow.data.lang, ip: ctx.actor.ip, now },
      secret,
    ),
  );
  const item: Awaiting = { channel, address: current.address, action: 'login', subscriptionId: current.id, codeId: code.codeId, codeExpiresAt: code.expiresAt.toISOString() };
  flow.data.awaiting = [item];
  await saveFlow(deps.db, flow, now);
  return item;
}

function awaitingOf(flow: Flow, channel: ContactChannel): Awaiting {
  const item = flow.data.awaiting?.find((x) => x.channel === channel);
  if (!item) throw new PortalRefusal('wrong_step');
  return item;
}

/**
 * Checks a code. Right: the code is used up and its action done in one transaction (the
 * subscription activated, or the customer logged in); wrong: one of 5 tries spent.
 */
export async function verify(ctx: FlowContext, a: { channel: ContactChannel; code: string }): Promise<{ verified: Awaiting; remaining: Awaiting[] }> {
  const { deps, flow } = ctx;
  const item = awaitingOf(flow, a.channel);
  const now = deps.now();
  const check = /^[0-9]{6}$/.test(a.code) ? await compareCode(deps.db, { sessionHash: flow.hash, codeId: item.codeId, code: a.code, now }) : { match: false };
  if ('dead' in check) throw new PortalRefusal('code_expired');
  const result = await deps.db.transaction().execute(async (tx) => {
    const t = await recordTry(tx, { codeId: item.codeId, match: check.match, now });
    if (t.ok && item.action !== 'login') await activate(tx, deps, { subscriptionId: item.subscriptionId, actor: ctx.actor, now });
    // A sign-in proves the contact only while it is still the customer's.
    if (t.ok && item.action === 'login' && !(await isActive(tx, item.subscriptionId))) throw new PortalRefusal('code_expired');
    return t;
  });
  if (!result.ok) throw 'dead' in result ? new PortalRefusal('code_expired') : new PortalRefusal('wrong_code', { triesLeft: result.triesLeft });
  const remaining = (flow.data.awaiting ?? []).filter((x) => x !== item);
  flow.data.awaiting = remaining;
  if (item.action !== 'login') flow.data.completed = [...(flow.data.completed ?? []).filter((c) => c.channel !== item.channel), { channel: item.channel, address: item.address }];
  if (flow.data.purpose === 'manage') flow.data.authenticated = true;
  await saveFlow(deps.db, flow, now);
  return { verified: item, remaining };
}

/** A new code for a contact still awaiting one; the old code stops working. */
export async function resend(ctx: FlowContext, channel: ContactChannel): Promise<Awaiting> {
  const { deps, flow } = ctx;
  const item = awaitingOf(flow, channel);
  const customer = customerOf(flow);
  const secret = await newCode();
  const now = deps.now();
  const code = await deps.db.transaction().execute((tx) =>
    issueCode(
      tx,
      deps,
      { sessionHash: flow.hash, customerNumber: customer, channel, address: item.address, purpose: item.action, subscriptionId: item.subscriptionId, lang: flow.data.lang, ip: ctx.actor.ip, now },
      secret,
    ),
  );
  item.codeId = code.codeId;
  item.codeExpiresAt = code.expiresAt.toISOString();
  await saveFlow(deps.db, flow, now);
  return item;
}

/** The logged-in customer's active contacts. */
export async function contactsOf(ctx: FlowContext): Promise<{ customer: string; contacts: LiveContact[] }> {
  const customer = authenticatedCustomer(ctx.flow);
  return { customer, contacts: await activeContacts(ctx.deps.db, customer) };
}

/** Cancels some or all of the logged-in customer's channels. */
export async function unsubscribe(ctx: FlowContext, channels: readonly ContactChannel[]): Promise<LiveContact[]> {
  const { deps, flow } = ctx;
  const customer = authenticatedCustomer(flow);
  const now = deps.now();
  const ended = await deps.db.transaction().execute((tx) => cancel(tx, deps, { customer, channels, actor: ctx.actor, now }));
  await saveFlow(deps.db, flow, now);
  return ended;
}
