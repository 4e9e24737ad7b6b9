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
      .array(z.enum(['sms', 'email', 'letter']))
      .min(1)
      .refine((a) => new Set(a).size === a.length, 'each channel once')
      .refine((a) => !a.includes('letter') || a.at(-1) === 'letter', 'a letter can only be the last channel'),
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

export const policySchema = z
  .strictObject({
    stages: z.array(noticeStage).min(1).max(10),
    disconnection: z.strictObject({ afterWorkingDays: workingDays, minOverdueEurMinor: minimum, customerClasses }),
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
}) as DunningPolicy;
