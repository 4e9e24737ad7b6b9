// The dunning policy is data: which notice goes out how many working days after the due date of a
// customer's oldest unpaid invoice, by which channels, to whom, and when the customer is listed for
// disconnection. It is validated here and stored as versions (policy-store.ts).
import { z } from 'zod';
import { AppError } from '../errors.js';

export const NOTICE_KINDS = ['overdue_reminder', 'overdue_second', 'overdue_final'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export function isNoticeKind(kind: string): kind is NoticeKind {
  return (NOTICE_KINDS as readonly string[]).includes(kind);
}

/** The stage id of the disconnection list (reserved: no notice stage may use it). */
export const DISCONNECTION = 'disconnection';

const customerClasses = z
  .array(z.enum(['household', 'business']))
  .min(1)
  .refine((a) => new Set(a).size === a.length, 'each customer class once');
const workingDays = z.number().int().min(1).max(250);
// Up to 1,000,000.00 EUR: well above any household or business bill.
const minimum = z.number().int().min(0).max(100_000_000);

const noticeStage = z
  .strictObject({
    /** Part of every notice's business key: never rename a stage that has sent notices. */
    id: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, 'lower-case letters, digits and _ (up to 31)'),
    afterWorkingDays: workingDays,
    template: z.enum(NOTICE_KINDS),
    /** In order: the first the customer has is used, the rest are the fallback when it fails for good. */
    channels: z
      .array(z.enum(['viber', 'sms', 'email', 'letter']))
      .min(1)
      .refine((a) => new Set(a).size === a.length, 'each channel once')
      .refine((a) => !a.includes('letter') || a.at(-1) === 'letter', 'a letter can only be the last channel')
      // Viber goes to the SMS subscription's phone; the SMS is what reaches a number without Viber.
      .refine((a) => !a.includes('viber') || a[a.indexOf('viber') + 1] === 'sms', "'viber' only directly before 'sms'"),
    /** Customers with none of the stage's electronic channels get a letter (the postal address). */
    letterIfNoElectronicContact: z.boolean(),
    /** Below this overdue total (euro cents) nothing is sent. */
    minOverdueEurMinor: minimum,
    customerClasses,
  })
  .refine((s) => !s.letterIfNoElectronicContact || s.channels.includes('letter'), {
    message: "letterIfNoElectronicContact needs 'letter' among the channels",
    path: ['letterIfNoElectronicContact'],
  });

// The lifecycle messages (src/dunning/lifecycle/): each section is optional, so that the versions
// saved before they existed still parse, and off unless a supervisor turns it on.
const electronic = z
  .array(z.enum(['sms', 'email']))
  .min(1)
  .refine((a) => new Set(a).size === a.length, 'each channel once');

export const PRE_DUE_AUDIENCES = ['opt_in', 'all_subscribed'] as const;

const preDue = z.strictObject({
  enabled: z.boolean(),
  /** Sent on the working day this many working days before the due date. */
  workingDaysBefore: z.number().int().min(1).max(20),
  /** Customers who asked for it on their subscription, or everyone subscribed. */
  audience: z.enum(PRE_DUE_AUDIENCES),
  channels: electronic,
  /** Invoices with less than this still to pay (euro cents) get no reminder. */
  minEurMinor: minimum,
});

const paymentReceived = z.strictObject({ enabled: z.boolean(), channels: electronic });

const reconnection = z
  .strictObject({
    enabled: z.boolean(),
    /** Supply is restored within this many hours of the payment reaching us (ordinary reconnection). */
    restoreWithinHours: z.number().int().min(1).max(240),
    /** The express reconnection offered for a fee (the message always names it). */
    expressWithinHours: z.number().int().min(1).max(240),
    /** Up to 999.99 EUR, so that the SMS keeps to one part (src/delivery/text/sms-budget.ts). */
    expressFeeEurMinor: z.number().int().min(0).max(99_999),
    channels: electronic,
  })
  .refine((r) => r.expressWithinHours < r.restoreWithinHours, {
    message: 'the express reconnection must be faster than the ordinary one',
    path: ['expressWithinHours'],
  });

const contactCheck = z.strictObject({
  enabled: z.boolean(),
  /** Asked of a contact last verified or confirmed this many months ago, at most once in that time. */
  afterMonths: z.number().int().min(1).max(60),
  /** At most this many a day, oldest first: turning the check on does not send a year's worth at once. */
  maxPerDay: z.number().int().min(1).max(1_000_000),
});

export const LIFECYCLE_DEFAULTS = Object.freeze({
  preDue: { enabled: false, workingDaysBefore: 3, audience: 'opt_in', channels: ['sms', 'email'], minEurMinor: 500 },
  paymentReceived: { enabled: false, channels: ['sms', 'email'] },
  reconnection: { enabled: false, restoreWithinHours: 24, expressWithinHours: 4, expressFeeEurMinor: 3000, channels: ['sms', 'email'] },
  contactCheck: { enabled: false, afterMonths: 12, maxPerDay: 5000 },
} as const);

const copy = <T>(v: T): T => structuredClone(v) as T;

export const policySchema = z
  .strictObject({
    stages: z.array(noticeStage).min(1).max(10),
    disconnection: z.strictObject({ afterWorkingDays: workingDays, minOverdueEurMinor: minimum, customerClasses }),
    preDue: preDue.default(() => copy({ ...LIFECYCLE_DEFAULTS.preDue, channels: [...LIFECYCLE_DEFAULTS.preDue.channels] })),
    paymentReceived: paymentReceived.default(() => copy({ ...LIFECYCLE_DEFAULTS.paymentReceived, channels: [...LIFECYCLE_DEFAULTS.paymentReceived.channels] })),
    reconnection: reconnection.default(() => copy({ ...LIFECYCLE_DEFAULTS.reconnection, channels: [...LIFECYCLE_DEFAULTS.reconnection.channels] })),
    contactCheck: contactCheck.default(() => ({ ...LIFECYCLE_DEFAULTS.contactCheck })),
  })
  .superRefine((p, ctx) => {
    const ids = new Set<string>();
    p.stages.forEach((s, i) => {
      if (s.id === DISCONNECTION) ctx.addIssue({ code: 'custom', message: `"${DISCONNECTION}" is reserved`, path: ['stages', i, 'id'] });
      if (ids.has(s.id)) ctx.addIssue({ code: 'custom', message: `stage id "${s.id}" is used twice`, path: ['stages', i, 'id'] });
      ids.add(s.id);
      const prev = p.stages[i - 1];
      if (prev && s.afterWorkingDays <= prev.afterWorkingDays) {
        ctx.addIssue({ code: 'custom', message: 'stages must come in increasing afterWorkingDays', path: ['stages', i, 'afterWorkingDays'] });
      }
    });
    const last = p.stages.at(-1);
    if (last && p.disconnection.afterWorkingDays <= last.afterWorkingDays) {
      ctx.addIssue({ code: 'custom', message: 'the disconnection list must come after the last notice', path: ['disconnection', 'afterWorkingDays'] });
    }
  });

export type DunningPolicy = z.infer<typeof policySchema>;
export type NoticeStage = DunningPolicy['stages'][number];

/** Checks a policy; a bad one is a VALIDATION_FAILED error listing every problem with its path. */
export function parsePolicy(input: unknown): DunningPolicy {
  const r = policySchema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(policy)'}: ${i.message}`);
  throw new AppError('VALIDATION_FAILED', `Invalid dunning policy: ${problems.join('; ')}`, { problems });
}

/** What ships with the program (version 0): described in the README. */
export const defaultPolicy: DunningPolicy = Object.freeze({
  stages: [
    {
      id: 'reminder',
      afterWorkingDays: 1,
      template: 'overdue_reminder',
      channels: ['sms', 'email'],
      letterIfNoElectronicContact: false,
      minOverdueEurMinor: 500,
      customerClasses: ['household', 'business'],
    },
    {
      id: 'second',
      afterWorkingDays: 7,
      template: 'overdue_second',
      channels: ['sms', 'email'],
      letterIfNoElectronicContact: false,
      minOverdueEurMinor: 500,
      customerClasses: ['household', 'business'],
    },
    {
      id: 'final',
      afterWorkingDays: 12,
      template: 'overdue_final',
      channels: ['sms', 'email', 'letter'],
      letterIfNoElectronicContact: true,
      minOverdueEurMinor: 500,
      customerClasses: ['household', 'business'],
    },
  ],
  disconnection: { afterWorkingDays: 15, minOverdueEurMinor: 500, customerClasses: ['household', 'business'] },
  preDue: { ...LIFECYCLE_DEFAULTS.preDue, channels: [...LIFECYCLE_DEFAULTS.preDue.channels] },
  paymentReceived: { ...LIFECYCLE_DEFAULTS.paymentReceived, channels: [...LIFECYCLE_DEFAULTS.paymentReceived.channels] },
  reconnection: { ...LIFECYCLE_DEFAULTS.reconnection, channels: [...LIFECYCLE_DEFAULTS.reconnection.channels] },
  contactCheck: { ...LIFECYCLE_DEFAULTS.contactCheck },
}) as DunningPolicy;

/** The four lifecycle messages turned on: what the demo installs (`izvestie demo-data`). */
export function demoPolicy(): DunningPolicy {
  const p = structuredClone(defaultPolicy) as DunningPolicy;
  p.preDue.enabled = true;
  p.paymentReceived.enabled = true;
  p.reconnection.enabled = true;
  p.contactCheck.enabled = true;
  return p;
}
