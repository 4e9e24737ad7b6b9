// Message templates edited in the back office. Every save is a new version (who, when, why); the
// newest version of a kind and language is in force, else the shipped default. Every process
// renders notices through templateCache().source, refreshed from this table (src/app/).
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import type { DB } from '../db/schema.js';
import { shippedTemplates, type Template, type TemplateSource } from '../delivery/render.js';
import { defaultTemplates, templateVariables, type Lang, type MessageType, type TemplateChannel, type TemplateSet } from '../delivery/text/default-templates.js';
import { listPlaceholders } from '../delivery/text/render.js';
import { worstCaseSms, type WorstCase } from '../delivery/text/sms-budget.js';
import { DEFAULT_SMS_SCRIPT, type SmsScript } from '../delivery/text/sms-script.js';
import type { SiteVars } from '../delivery/text/site-variables.js';
import { LIFECYCLE_KINDS, type LifecycleKind } from '../dunning/lifecycle/kinds.js';
import { NOTICE_KINDS, type NoticeKind } from '../dunning/policy.js';
import { AppError } from '../errors.js';

/** The kinds the worker renders from their payload right before sending: editing them takes effect. */
export type EditableKind = NoticeKind | LifecycleKind;
export const EDITABLE_KINDS: readonly EditableKind[] = [...NOTICE_KINDS, ...LIFECYCLE_KINDS];
export const LANGS: readonly Lang[] = ['bg', 'en'];

export function isEditableKind(kind: string): kind is EditableKind {
  return (EDITABLE_KINDS as readonly string[]).includes(kind);
}

export const TEMPLATE_FIELDS = ['sms', 'viber', 'emailSubject', 'emailText', 'emailHtml', 'letter'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

const CHANNEL_OF: Record<TemplateField, TemplateChannel> = { sms: 'sms', viber: 'viber', emailSubject: 'email', emailText: 'email', emailHtml: 'email', letter: 'letter' };

/** Viber Business Messages take up to 1,000 characters (src/delivery/viber/channel.ts cuts longer ones). */
export const VIBER_MAX_CHARS = 1000;

/** The text of a field; a blank Viber text is no Viber text (the SMS text is sent as written). */
export function fieldText(set: TemplateSet, field: TemplateField): string {
  return field === 'viber' ? (set.viber?.trim() ? set.viber : '') : set[field];
}

/** The set as stored: without a blank Viber text. */
export function normaliseSet(set: TemplateSet): TemplateSet {
  const { viber, ...rest } = set;
  return viber?.trim() ? { ...rest, viber } : rest;
}

export interface TemplateVersion {
  kind: EditableKind;
  lang: Lang;
  /** 0: the shipped default. */
  version: number;
  set: TemplateSet;
  /** Parts the SMS may take at worst, raised by a supervisor for this template; null: SMS_PART_BUDGET. */
  smsPartBudget: number | null;
  createdBy: string;
  createdAt: Date | null;
  note: string | null;
}

export interface TemplateProblem {
  field: TemplateField;
  problem: 'empty' | 'too_long' | 'unknown_placeholder' | 'missing_placeholder' | 'stray_braces' | 'over_budget' | 'viber_too_long';
  placeholder?: string;
  /** over_budget: the worst case's parts and the budget it exceeds. */
  parts?: number;
  budget?: number;
  /** viber_too_long: the worst case's characters (the limit is VIBER_MAX_CHARS). */
  chars?: number;
}

/** How the SMS part budget of a template is judged: the setting, and the site values known exactly. */
export interface SmsBudgetRule {
  /** SMS_PART_BUDGET. */
  defaultBudget: number;
  siteVars?: Partial<SiteVars>;
  /** The longest links this installation makes (see smsLinks in the template pages). */
  links?: { pay_url?: string; manage_url?: string };
}

export function smsScriptOf(set: TemplateSet): SmsScript {
  return set.smsScript ?? DEFAULT_SMS_SCRIPT;
}

/** The SMS of `set` with the longest values, in its script, as it would go out. */
export function smsWorstCase(kind: EditableKind, lang: Lang, set: TemplateSet, rule: SmsBudgetRule): WorstCase {
  return worstCaseSms(kind as MessageType, lang, set.sms, { script: smsScriptOf(set), ...(rule.siteVars ? { siteVars: rule.siteVars } : {}), ...(rule.links ? { links: rule.links } : {}) });
}

/** over_budget when the SMS's worst case takes more parts than the template's budget (else the setting's). */
export function budgetProblem(kind: EditableKind, lang: Lang, set: TemplateSet, smsPartBudget: number | null, rule: SmsBudgetRule): TemplateProblem | null {
  const budget = smsPartBudget ?? rule.defaultBudget;
  const { parts } = smsWorstCase(kind, lang, set, rule);
  return parts > budget ? { field: 'sms', problem: 'over_budget', parts, budget } : null;
}

/**
 * viber_too_long when the Viber text with the longest values would exceed what Viber takes. No part
 * budget applies: Viber is priced per message, whatever its length. Without a Viber text, none.
 */
export function viberProblem(kind: EditableKind, lang: Lang, set: TemplateSet, rule: Pick<SmsBudgetRule, 'siteVars' | 'links'> = {}): TemplateProblem | null {
  const text = fieldText(set, 'viber');
  if (text === '') return null;
  // Viber takes any letters: the text goes as written ('cyrillic' leaves it untouched).
  const worst = worstCaseSms(kind as MessageType, lang, text, { script: 'cyrillic', ...(rule.siteVars ? { siteVars: rule.siteVars } : {}), ...(rule.links ? { links: rule.links } : {}) });
  const chars = [...worst.text].length;
  return chars > VIBER_MAX_CHARS ? { field: 'viber', problem: 'viber_too_long', chars } : null;
}

const MAX_LENGTH: Record<TemplateField, number> = { sms: 1000, viber: VIBER_MAX_CHARS, emailSubject: 200, emailText: 20_000, emailHtml: 100_000, letter: 20_000 };

const REQUIRED: Record<EditableKind, readonly string[]> = {
  overdue_reminder: ['total_eur'],
  overdue_second: ['total_eur'],
  overdue_final: ['total_eur', 'disconnection_date'],
  predue_reminder: ['amount_eur', 'due_date'],
  payment_received: ['amount_eur'],
  supply_restored: ['restore_hours'],
  contact_check: ['manage_url'],
};

/** What a notice must always say, whatever the wording. */
function requiredPlaceholders(kind: EditableKind, field: TemplateField): string[] {
  if (field === 'emailSubject') return [];
  const out = [...REQUIRED[kind]];
  // The way out of email notices (RFC 8058 headers carry it too; the body shows it to people).
  if ((field === 'emailText' || field === 'emailHtml') && templateVariables(kind, 'email').includes('unsubscribe_url')) out.push('unsubscribe_url');
  return out;
}

/** Every problem of a template set: unknown or missing placeholders, braces that are no placeholder, sizes. */
export function templateProblems(kind: EditableKind, set: TemplateSet): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const field of TEMPLATE_FIELDS) {
    const text = fieldText(set, field);
    if (text.trim() === '') {
      // No Viber text: the Viber message carries the SMS text.
      if (field !== 'viber') problems.push({ field, problem: 'empty' });
      continue;
    }
    if (text.length > MAX_LENGTH[field]) problems.push({ field, problem: 'too_long' });
    const allowed = templateVariables(kind as MessageType, CHANNEL_OF[field]);
    const used = listPlaceholders(text);
    for (const p of used) if (!allowed.includes(p)) problems.push({ field, problem: 'unknown_placeholder', placeholder: p });
    for (const p of requiredPlaceholders(kind, field)) if (!used.includes(p)) problems.push({ field, problem: 'missing_placeholder', placeholder: p });
    // "{{ name }" or "{name}}" would reach the customer as typed.
    const rest = text.replace(/\{\{\s*[^{}]*?\s*\}\}/g, '');
    if (/\{\{|\}\}/.test(rest)) problems.push({ field, problem: 'stray_braces' });
  }
  return problems;
}

type TemplateRow = { kind: string; lang: Lang; version: number; sms: string; sms_script: SmsScript; sms_part_budget: number | null; viber: string | null; email_subject: string; email_text: string; email_html: string; letter: string; created_by: string; created_at: Date; note: string | null };

function toVersion(r: TemplateRow): TemplateVersion {
  return {
    kind: r.kind as EditableKind,
    lang: r.lang,
    version: r.version,
    set: { sms: r.sms, smsScript: r.sms_script, ...(r.viber === null ? {} : { viber: r.viber }), emailSubject: r.email_subject, emailText: r.email_text, emailHtml: r.email_html, letter: r.letter },
    smsPartBudget: r.sms_part_budget,
    createdBy: r.created_by,
    createdAt: r.created_at,
    note: r.note,
  };
}

export function shippedVersion(kind: EditableKind, lang: Lang): TemplateVersion {
  return { kind, lang, version: 0, set: defaultTemplates[kind][lang], smsPartBudget: null, createdBy: 'built-in', createdAt: null, note: null };
}

export async function currentTemplate(db: Kysely<DB>, kind: EditableKind, lang: Lang): Promise<TemplateVersion> {
  const r = await db.selectFrom('message_templates').selectAll().where('kind', '=', kind).where('lang', '=', lang).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return r ? toVersion(r) : shippedVersion(kind, lang);
}

export async function templateVersions(db: Kysely<DB>, kind: EditableKind): Promise<TemplateVersion[]> {
  const rows = await db.selectFrom('message_templates').selectAll().where('kind', '=', kind).orderBy('version', 'desc').orderBy('lang').execute();
  return rows.map(toVersion);
}

export interface SaveOptions {
  /** A part budget raised for this template (null or absent: SMS_PART_BUDGET). */
  smsPartBudget?: number | null;
  /** Without it the part budget is not checked (callers that check it themselves pass it anyway); the Viber length always is. */
  budget?: SmsBudgetRule;
}

/** What changed between two versions: text fields, and the SMS script and part budget. */
export type TemplateChange = TemplateField | 'smsScript' | 'smsPartBudget';

/**
 * Saves a new version of one kind and language if it differs from the one in force. Two saves at
 * once: one wins, the other is a CONFLICT. Returns the version in force afterwards.
 */
export async function saveTemplate(db: Kysely<DB>, kind: EditableKind, lang: Lang, given: TemplateSet, actor: string, note: string | null, o: SaveOptions = {}): Promise<{ version: number; changed: TemplateChange[] }> {
  const smsPartBudget = o.smsPartBudget ?? null;
  const set = normaliseSet(given);
  const problems = templateProblems(kind, set);
  const overBudget = o.budget ? budgetProblem(kind, lang, set, smsPartBudget, o.budget) : null;
  if (overBudget) problems.push(overBudget);
  const viberTooLong = problems.length ? null : viberProblem(kind, lang, set, o.budget);
  if (viberTooLong) problems.push(viberTooLong);
  if (problems.length) throw new AppError('VALIDATION_FAILED', `Invalid ${kind} template (${lang})`, { problems });
  return db.transaction().execute(async (tx) => {
    const before = await currentTemplate(tx, kind, lang);
    const changed: TemplateChange[] = TEMPLATE_FIELDS.filter((f) => fieldText(before.set, f) !== fieldText(set, f));
    if (smsScriptOf(before.set) !== smsScriptOf(set)) changed.push('smsScript');
    if (before.smsPartBudget !== smsPartBudget) changed.push('smsPartBudget');
    if (changed.length === 0) return { version: before.version, changed };
    const version = before.version + 1;
    try {
      await tx
        .insertInto('message_templates')
        .values({ kind, lang, version, sms: set.sms, sms_script: smsScriptOf(set), sms_part_budget: smsPartBudget, viber: set.viber ?? null, email_subject: set.emailSubject, email_text: set.emailText, email_html: set.emailHtml, letter: set.letter, note, created_by: actor })
        .execute();
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new AppError('CONFLICT', `Template ${kind} (${lang}) version ${version} was saved by someone else just now; reload and try again.`);
      throw e;
    }
    await recordAudit(tx, {
      actor,
      action: 'backoffice.template_saved',
      subject: `template:${kind}:${lang}`,
      details: { version, previous: before.version, changed, note, ...(changed.includes('smsScript') || changed.includes('smsPartBudget') ? { sms_script: smsScriptOf(set), sms_part_budget: smsPartBudget } : {}) },
    });
    return { version, changed };
  });
}

export interface TemplateCache {
  /** For the renderers: the versions in force at the last refresh. */
  source: TemplateSource;
  /** Reads the versions in force again when any was saved since the last read (one cheap query otherwise). */
  refresh(): Promise<void>;
}

/**
 * The templates in force, kept in memory for the synchronous renderers. Versions are only ever
 * added (the table refuses UPDATE and DELETE), so their count tells whether anything changed:
 * every process polls it, and a save made by any process on any machine is used everywhere at
 * the next refresh.
 */
export function templateCache(db: Kysely<DB>): TemplateCache {
  let saved = new Map<string, Template>();
  let seen = -1;
  return {
    source: (kind, lang) => saved.get(`${kind}:${lang}`) ?? shippedTemplates(kind, lang),
    async refresh() {
      const n = await db.selectFrom('message_templates').select((x) => x.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      if (Number(n.n) === seen) return;
      const rows = await db
        .selectFrom('message_templates as t')
        .selectAll()
        .where(({ eb, selectFrom }) =>
          eb('t.version', '=', selectFrom('message_templates as n').select((x) => x.fn.max('n.version').as('v')).whereRef('n.kind', '=', 't.kind').whereRef('n.lang', '=', 't.lang')),
        )
        .execute();
      saved = new Map(rows.map((r) => [`${r.kind}:${r.lang}`, { set: toVersion(r).set, version: r.version }]));
      seen = Number(n.n);
    },
  };
}
