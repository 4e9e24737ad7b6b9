// Notice templates (supervisors): both languages of a kind side by side, a preview with sample
// values (texts, GSM-7 or UCS-2, SMS parts and price, the transliterated SMS, the Viber text with its
// characters and price), every saved version, and a test send of the draft to a given contact
// through the outbox.
import { randomUUID } from 'node:crypto';
import { enqueue } from '../../delivery/outbox/enqueue.js';
import type { Lang, TemplateSet } from '../../delivery/text/default-templates.js';
import { isAppError } from '../../errors.js';
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import { parseContact } from '../../portal/contact-input.js';
import { recordAudit } from '../../audit/record.js';
import { fillPayUrlTemplate } from '../../portal/pay/link.js';
import { previewTemplate, samplePayload, type Preview, type SmsFigures, type ViberFigures } from '../preview.js';
import { saveSessionData } from '../sessions.js';
import { EDITABLE_KINDS, LANGS, TEMPLATE_FIELDS, VIBER_MAX_CHARS, budgetProblem, currentTemplate, fieldText, isEditableKind, normaliseSet, saveTemplate, smsScriptOf, smsWorstCase, templateProblems, templateVersions, viberProblem, type EditableKind, type SmsBudgetRule, type TemplateField, type TemplateProblem, type TemplateVersion } from '../templates-store.js';
import { MAX_SMS_PART_BUDGET, monthlyCostDifferenceMinor } from '../../delivery/text/sms-budget.js';
import { isSmsScript, type SmsScript } from '../../delivery/text/sms-script.js';
import { smsNoticesLast30Days } from '../sms-notice-counts.js';
import { templateVariables } from '../../delivery/text/default-templates.js';
import type { Renderer } from '../../delivery/outbox/message.js';
import { banner, button, input, select, textarea, type FieldError } from './components.js';
import { BASE, actor, field, param, redirect, type StaffCtx } from './context.js';
import { fmtDateTime, fmtEur, iso } from './format.js';
import { label } from './labels.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { messagePage, get, post, type BackofficeRoute } from './route.js';
import { takeFlash } from './account-pages.js';

const TEMPLATES = `${BASE}/templates`;

const FIELD_LABEL: Record<TemplateField, [string, string]> = {
  sms: ['SMS', 'SMS'],
  viber: ['Viber', 'Viber'],
  emailSubject: ['Тема на имейла', 'Email subject'],
  emailText: ['Имейл (текст)', 'Email (plain text)'],
  emailHtml: ['Имейл (HTML)', 'Email (HTML)'],
  letter: ['Писмо', 'Letter'],
};

const fieldName = (f: TemplateField, lang: Lang) => `${f}_${lang}`;
const scriptField = (lang: Lang) => `sms_script_${lang}`;
const budgetField = (lang: Lang) => `sms_part_budget_${lang}`;
type Drafts = Record<Lang, TemplateSet>;
/** A part budget raised for the template of each language; null: SMS_PART_BUDGET. */
type Budgets = Record<Lang, number | null>;

const SCRIPT_LABEL: Record<SmsScript, [string, string]> = {
  latin: ['латиница (GSM-7, 160 знака в част)', 'Latin letters (GSM-7, 160 characters a part)'],
  cyrillic: ['кирилица (UCS-2, 70 знака в част, по-скъпо)', 'Cyrillic (UCS-2, 70 characters a part, dearer)'],
};

function problemText(c: StaffCtx, p: TemplateProblem): string {
  switch (p.problem) {
    case 'empty':
      return c.t('Полето е празно.', 'The field is empty.');
    case 'too_long':
      return c.t('Текстът е твърде дълъг.', 'The text is too long.');
    case 'unknown_placeholder':
      return c.t(`Непознато поле {{${p.placeholder ?? ''}}}.`, `Unknown placeholder {{${p.placeholder ?? ''}}}.`);
    case 'missing_placeholder':
      return c.t(`Липсва задължителното поле {{${p.placeholder ?? ''}}}.`, `The required placeholder {{${p.placeholder ?? ''}}} is missing.`);
    case 'stray_braces':
      return c.t('Има {{ или }}, които не образуват поле.', 'There is a {{ or }} that is not a placeholder.');
    case 'over_budget':
      return c.t(
        `С най-дългите стойности SMS-ът става ${p.parts ?? '?'} части, а бюджетът е ${p.budget ?? '?'}. Съкратете текста, изберете латиница или увеличете бюджета на частите за този шаблон.`,
        `With the longest values the SMS takes ${p.parts ?? '?'} parts and the budget is ${p.budget ?? '?'}. Shorten the text, choose Latin letters or raise the part budget of this template.`,
      );
    case 'viber_too_long':
      return c.t(
        `С най-дългите стойности съобщението във Viber става ${p.chars ?? '?'} знака, а Viber приема до ${VIBER_MAX_CHARS}. Съкратете текста.`,
        `With the longest values the Viber message takes ${p.chars ?? '?'} characters and Viber takes up to ${VIBER_MAX_CHARS}. Shorten the text.`,
      );
  }
}

function budgetRule(c: StaffCtx): SmsBudgetRule {
  const { http, payment } = c.deps.config;
  // The payment link as long as it gets here: the utility's own template with the longest values,
  // or the portal's payment page (/p/ and a 12-character reference).
  const payUrl = payment.urlTemplate !== ''
    ? fillPayUrlTemplate(payment.urlTemplate, { customerNumber: '9'.repeat(16), amountMinor: 99_999_99, invoice: 'W'.repeat(30) })
    : `${http.publicUrl}/p/${'W'.repeat(12)}`;
  return { defaultBudget: c.deps.config.delivery.smsPartBudget, links: { pay_url: payUrl, manage_url: `${http.publicUrl}/manage` } };
}

/** Worst-case parts of the draft (in its script and in the other), against the version in force, and what it costs a month. */
async function budgetSection(c: StaffCtx, kind: EditableKind, lang: Lang, draft: TemplateSet, budget: number | null): Promise<SafeHtml> {
  const rule = budgetRule(c);
  const price = c.deps.config.delivery.smsPricePerSegmentMinor;
  const script = smsScriptOf(draft);
  const worst = smsWorstCase(kind, lang, draft, rule);
  const other: SmsScript = script === 'latin' ? 'cyrillic' : 'latin';
  const otherWorst = smsWorstCase(kind, lang, { ...draft, smsScript: other }, rule);
  const inForce = await currentTemplate(c.deps.db, kind, lang);
  const inForceParts = smsWorstCase(kind, lang, inForce.set, rule).parts;
  const notices = await smsNoticesLast30Days(c.deps.db, kind, lang, c.deps.now());
  const vsInForce = monthlyCostDifferenceMinor(price, notices, worst.parts - inForceParts);
  const vsOne = monthlyCostDifferenceMinor(price, notices, worst.parts - 1);
  const signed = (minor: number) => `${minor > 0 ? '+' : ''}${fmtEur(minor, c.lang)}`;
  const limit = budget ?? rule.defaultBudget;
  return html`<div class="hint" id="worst-${lang}">
<p>${c.t('Най-лош случай (най-дългите стойности)', 'Worst case (the longest values)')}: ${worst.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'} · ${c.t('знаци', 'characters')}: ${worst.units} · ${c.t('части', 'parts')}: <strong>${worst.parts}</strong> · ${c.t('бюджет', 'budget')}: ${limit}${worst.parts > limit ? html` · <strong>${c.t('над бюджета', 'over the budget')}</strong>` : ''}</p>
<p>${c.t('Със', 'With')} ${c.t(...SCRIPT_LABEL[other])}: ${otherWorst.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'}, ${c.t('части', 'parts')}: ${otherWorst.parts}</p>
<p>${c.t(`SMS известия от този шаблон за последните 30 дни: ${notices}. Месечна разлика в цената спрямо версията в сила (${inForceParts} ч.): `, `SMS notices of this template over the last 30 days: ${notices}. Monthly cost difference against the version in force (${inForceParts} parts): `)}<strong>${signed(vsInForce)}</strong>; ${c.t('спрямо една част', 'against one part')}: ${signed(vsOne)}</p>
</div>`;
}

function smsLine(c: StaffCtx, title: string, s: SmsFigures): SafeHtml {
  return html`<h4>${title}</h4><pre>${s.text}</pre>
<p>${s.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'} · ${c.t('знаци', 'characters')}: ${s.units} · ${c.t('части', 'parts')}: <strong>${s.segments}</strong> · ${c.t('цена', 'price')}: ${fmtEur(s.costMinor, c.lang)}</p>`;
}

function viberLine(c: StaffCtx, v: ViberFigures): SafeHtml {
  return html`<h4>Viber</h4><pre>${v.text}</pre>
<p>${c.t('знаци', 'characters')}: ${v.characters} / ${VIBER_MAX_CHARS} · ${c.t('цена (едно съобщение, без части)', 'price (one message, no parts)')}: ${v.costMinor === null ? c.t('няма доставчик на Viber', 'no Viber provider') : fmtEur(v.costMinor, c.lang)}</p>`;
}

function previewSection(c: StaffCtx, p: Preview): SafeHtml {
  return html`<section class="card" aria-labelledby="preview-${p.lang}"><h3 id="preview-${p.lang}">${c.t('Преглед', 'Preview')}: ${p.lang === 'bg' ? 'български' : 'English'}</h3>
${smsLine(c, 'SMS', p.sms)}
${smsLine(c, c.t('SMS на латиница', 'SMS in Latin letters'), p.smsLatin)}
${viberLine(c, p.viber)}
<h4>${c.t('Имейл', 'Email')}: ${p.email.subject}</h4><pre>${p.email.text}</pre>
<details><summary>${c.t('HTML на имейла', 'The email HTML')}</summary><pre>${p.email.html}</pre></details>
<h4>${c.t('Писмо', 'Letter')}</h4><pre>${p.letter}</pre>
</section>`;
}

const versionColumns: Column<TemplateVersion>[] = [
  { bg: 'Версия', en: 'Version', csv: (v) => v.version, numeric: true },
  { bg: 'Език', en: 'Language', csv: (v) => v.lang },
  { bg: 'Запазена от', en: 'Saved by', csv: (v) => v.createdBy },
  { bg: 'Запазена на', en: 'Saved at', csv: (v) => iso(v.createdAt), cell: (v) => fmtDateTime(v.createdAt) },
  { bg: 'Бележка', en: 'Note', csv: (v) => v.note },
  { bg: 'SMS', en: 'SMS', csv: (v) => v.set.sms },
  { bg: 'Азбука на SMS', en: 'SMS letters', csv: (v) => smsScriptOf(v.set) },
  { bg: 'Бюджет на частите', en: 'Part budget', csv: (v) => v.smsPartBudget, numeric: true },
  { bg: 'Viber', en: 'Viber', csv: (v) => v.set.viber ?? null, cell: (v) => v.set.viber ?? '—' },
];

async function editPage(c: StaffCtx, kind: EditableKind, status: number, drafts: Drafts, budgets: Budgets, o: { errors?: FieldError[]; note?: string; notice?: string; budgetInput?: Partial<Record<Lang, string>> } = {}) {
  const errors = o.errors ?? [];
  const budgetSections = { bg: await budgetSection(c, kind, 'bg', drafts.bg, budgets.bg), en: await budgetSection(c, kind, 'en', drafts.en, budgets.en) };
  const smsSettings = (lang: Lang) => html`${select(c, {
    name: scriptField(lang),
    label: `${c.t('Азбука на SMS-а', 'Letters of the SMS')} (${lang})`,
    options: (['latin', 'cyrillic'] as const).map((s) => ({ value: s, label: c.t(...SCRIPT_LABEL[s]) })),
    value: smsScriptOf(drafts[lang]),
    errors,
  })}
${input(c, {
  name: budgetField(lang),
  label: `${c.t('Бюджет на SMS частите', 'SMS part budget')} (${lang})`,
  hint: c.t(`Празно: ${c.deps.config.delivery.smsPartBudget} (SMS_PART_BUDGET). Повече части само с решение на супервайзор.`, `Empty: ${c.deps.config.delivery.smsPartBudget} (SMS_PART_BUDGET). More parts only by a supervisor's decision.`),
  value: o.budgetInput?.[lang] ?? (budgets[lang] === null ? '' : String(budgets[lang])),
  inputmode: 'numeric',
  width: 'short',
  errors,
})}
${budgetSections[lang]}`;
  const price = c.deps.config.delivery.smsPricePerSegmentMinor;
  const versions = await templateVersions(c.deps.db, kind);
  const notice = o.notice ?? (await takeFlash(c));
  const render = draftRenderer(c, kind, drafts);
  const previews = LANGS.map((lang) => previewTemplate(render, kind, lang, price, c.deps.config.delivery.viber?.pricePerMessageMinor ?? null));
  const vars = [...new Set((['sms', 'viber', 'email', 'letter'] as const).flatMap((ch) => templateVariables(kind, ch)))];
  const viberHint = c.t(
    `Празно: във Viber отива текстът на SMS-а, както е написан. До ${VIBER_MAX_CHARS} знака с най-дългите стойности, всякакви букви; цената е на съобщение, без части.`,
    `Empty: Viber carries the SMS text as written. Up to ${VIBER_MAX_CHARS} characters with the longest values, any letters; priced per message, no parts.`,
  );
  const main = html`<h1>${c.t('Шаблон', 'Template')}: ${label(c, 'kind', kind)}</h1>
${banner(notice)}
<p class="hint">${c.t('Полета', 'Placeholders')}: ${vars.map((v, i) => html`${i ? ', ' : ''}<code>{{${v}}}</code>`)}</p>
<form method="post" action="${TEMPLATES}/${kind}" novalidate>
<input type="hidden" name="_csrf" value="${c.session.csrf}">
<div class="cols">
${LANGS.map(
  (lang) => html`<fieldset><legend><h2>${lang === 'bg' ? 'Български' : 'English'}</h2></legend>
${TEMPLATE_FIELDS.map((f) => html`${textarea(c, { name: fieldName(f, lang), label: `${c.t(...FIELD_LABEL[f])} (${lang})`, value: fieldText(drafts[lang], f), rows: f === 'emailSubject' ? 2 : f === 'sms' ? 4 : f === 'viber' ? 6 : 10, errors, ...(f === 'viber' ? { hint: viberHint } : {}) })}${f === 'sms' ? smsSettings(lang) : ''}`)}
</fieldset>`,
)}
</div>
${input(c, { name: 'note', label: c.t('Бележка към версията', 'Note for this version'), value: o.note ?? '', width: 'long' })}
${button(c.t('Преглед', 'Preview'), 'secondary', 'action', 'preview')}${button(c.t('Запазване', 'Save'), 'primary', 'action', 'save')}
<h2>${c.t('Пробно изпращане на чернова', 'Test send of the draft')}</h2>
<div class="search">
${select(c, { name: 'test_channel', label: c.t('Канал', 'Channel'), options: [{ value: 'sms', label: 'SMS' }, ...(c.deps.config.delivery.viber ? [{ value: 'viber', label: 'Viber' }] : []), { value: 'email', label: c.t('имейл', 'email') }], value: field(c, 'test_channel') || 'sms' })}
${select(c, { name: 'test_lang', label: c.t('Език', 'Language'), options: LANGS.map((l) => ({ value: l, label: l })), value: field(c, 'test_lang') || 'bg' })}
${input(c, { name: 'test_contact', label: c.t('Телефон или имейл', 'Phone or email'), value: field(c, 'test_contact'), errors })}
${button(c.t('Изпращане на проба', 'Send a test'), 'secondary', 'action', 'test')}
</div>
</form>
<h2>${c.t('Преглед с примерни данни', 'Preview with sample data')}</h2><div class="cols">${previews.map((p) => previewSection(c, p))}</div>
${table(c, { id: 'versions', caption: c.t('Запазени версии', 'Saved versions'), columns: versionColumns, rows: versions, empty: c.t('Действат шаблоните по подразбиране.', 'The shipped defaults are in force.') })}`;
  return sendHtml(c.reply, status, layout(c, { title: `${c.t('Шаблон', 'Template')}: ${label(c, 'kind', kind)}`, main, errors, wide: true }));
}

/** The renderer every process sends with, over the drafts of this kind: the preview is what would be sent. */
function draftRenderer(c: StaffCtx, kind: EditableKind, drafts: Drafts): Renderer {
  const { root } = c.deps;
  return root.renderWith((k, lang) => (k === kind ? { set: drafts[lang], version: 0 } : root.templates.source(k, lang)));
}

function postedDrafts(c: StaffCtx): Drafts {
  const one = (lang: Lang): TemplateSet => {
    const set = Object.fromEntries(TEMPLATE_FIELDS.map((f) => [f, ((c.req.body as Record<string, unknown>)[fieldName(f, lang)] as string | undefined) ?? ''])) as unknown as TemplateSet;
    const script = field(c, scriptField(lang));
    return normaliseSet({ ...set, smsScript: isSmsScript(script) ? script : 'latin' });
  };
  return { bg: one('bg'), en: one('en') };
}

/** The part budgets typed in the form (empty: the setting's), or the fields that are not 1..MAX. */
function postedBudgets(c: StaffCtx): { budgets: Budgets; input: Record<Lang, string>; errors: FieldError[] } {
  const budgets: Budgets = { bg: null, en: null };
  const input = { bg: field(c, budgetField('bg')).trim(), en: field(c, budgetField('en')).trim() };
  const errors: FieldError[] = [];
  for (const lang of LANGS) {
    const text = input[lang];
    if (text === '') continue;
    const n = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
    if (n >= 1 && n <= MAX_SMS_PART_BUDGET) budgets[lang] = n;
    else errors.push({ field: budgetField(lang), text: c.t(`Бюджет на SMS частите (${lang}): цяло число от 1 до ${MAX_SMS_PART_BUDGET} или празно.`, `SMS part budget (${lang}): a whole number from 1 to ${MAX_SMS_PART_BUDGET}, or empty.`) });
  }
  return { budgets, input, errors };
}

function draftErrors(c: StaffCtx, kind: EditableKind, drafts: Drafts, budgets: Budgets): FieldError[] {
  return LANGS.flatMap((lang) => {
    const problems = templateProblems(kind, drafts[lang]);
    // The budget is judged on a text that is otherwise valid (a broken placeholder has no worst case).
    const over = problems.length ? null : budgetProblem(kind, lang, drafts[lang], budgets[lang], budgetRule(c));
    const viber = problems.length ? null : viberProblem(kind, lang, drafts[lang], budgetRule(c));
    return [...problems, ...(over ? [over] : []), ...(viber ? [viber] : [])].map((p) => ({ field: fieldName(p.field, lang), text: `${c.t(...FIELD_LABEL[p.field])} (${lang}): ${problemText(c, p)}` }));
  });
}

async function testSend(c: StaffCtx, kind: EditableKind, drafts: Drafts): Promise<FieldError | null> {
  const asked = field(c, 'test_channel');
  const channel = asked === 'email' ? 'email' : asked === 'viber' && c.deps.config.delivery.viber ? 'viber' : 'sms';
  const lang: Lang = field(c, 'test_lang') === 'en' ? 'en' : 'bg';
  // Viber goes to a mobile number, as SMS does.
  const to = parseContact(channel === 'email' ? 'email' : 'sms', field(c, 'test_contact'));
  if (to === null) return { field: 'test_contact', text: c.t('Въведете мобилен номер или имейл за пробата.', 'Enter a mobile number or email for the test.') };
  const r = draftRenderer(c, kind, drafts)(kind, channel, lang, samplePayload(kind, lang) as unknown as Record<string, unknown>);
  const texts = channel !== 'email' ? { body: r.body } : { subject: `[${c.t('ПРОБА', 'TEST')}] ${r.subject ?? ''}`, body: r.body, html: r.html ?? null };
  await c.deps.db.transaction().execute(async (tx) => {
    const m = await enqueue(tx, { businessKey: `template_test:${randomUUID()}`, kind: 'template_test', channel, recipient: to, lang, ...texts, payload: { template_kind: kind, requested_by: c.session.user.username }, urgent: true });
    await recordAudit(tx, { actor: actor(c), action: 'backoffice.template_test_sent', subject: `template:${kind}:${lang}`, details: { message_id: m.id, channel } });
  });
  return null;
}

async function flash(c: StaffCtx, text: string) {
  c.session.data.flash = text;
  await saveSessionData(c.deps.db, c.session);
}

interface KindRow {
  kind: EditableKind;
  current: TemplateVersion;
}

export const templateRoutes: BackofficeRoute[] = [
  get(TEMPLATES, 'supervisor', async (c) => {
    const rows: KindRow[] = [];
    for (const kind of EDITABLE_KINDS) for (const lang of LANGS) rows.push({ kind, current: await currentTemplate(c.deps.db, kind, lang) });
    const columns: Column<KindRow>[] = [
      { bg: 'Вид', en: 'Kind', csv: (r) => r.kind, cell: (r) => html`<a href="${TEMPLATES}/${r.kind}">${label(c, 'kind', r.kind)}</a>` },
      { bg: 'Език', en: 'Language', csv: (r) => r.current.lang },
      { bg: 'Версия', en: 'Version', csv: (r) => r.current.version, cell: (r) => (r.current.version === 0 ? c.t('по подразбиране', 'default') : String(r.current.version)) },
      { bg: 'Запазена от', en: 'Saved by', csv: (r) => r.current.createdBy },
      { bg: 'Запазена на', en: 'Saved at', csv: (r) => iso(r.current.createdAt), cell: (r) => fmtDateTime(r.current.createdAt) },
    ];
    if (wantsCsv(c)) return sendCsv(c, 'templates', columns, rows);
    const main = html`<h1>${c.t('Шаблони на известията', 'Notice templates')}</h1>${table(c, { id: 'templates', caption: c.t('Шаблони в сила', 'Templates in force'), columns, rows })}`;
    return sendHtml(c.reply, 200, layout(c, { title: c.t('Шаблони', 'Templates'), main, wide: true }));
  }),

  get(`${TEMPLATES}/:kind`, 'supervisor', async (c) => {
    const kind = param(c, 'kind');
    if (!isEditableKind(kind)) return messagePage(c, 404, c.t('Няма такъв шаблон', 'No such template'), c.t('Проверете връзката.', 'Check the link.'));
    if (wantsCsv(c)) return sendCsv(c, `templates-${kind}`, versionColumns, await templateVersions(c.deps.db, kind));
    const current = { bg: await currentTemplate(c.deps.db, kind, 'bg'), en: await currentTemplate(c.deps.db, kind, 'en') };
    return editPage(c, kind, 200, { bg: current.bg.set, en: current.en.set }, { bg: current.bg.smsPartBudget, en: current.en.smsPartBudget });
  }),

  post(`${TEMPLATES}/:kind`, 'supervisor', async (c) => {
    const kind = param(c, 'kind');
    if (!isEditableKind(kind)) return messagePage(c, 404, c.t('Няма такъв шаблон', 'No such template'), c.t('Проверете връзката.', 'Check the link.'));
    const drafts = postedDrafts(c);
    const posted = postedBudgets(c);
    const { budgets } = posted;
    const note = field(c, 'note');
    const errors = [...draftErrors(c, kind, drafts, budgets), ...posted.errors];
    const action = field(c, 'action');
    const again = { note, budgetInput: posted.input };
    if (action === 'preview') return editPage(c, kind, errors.length ? 422 : 200, drafts, budgets, { ...again, errors });
    if (errors.length) return editPage(c, kind, 422, drafts, budgets, { ...again, errors });
    if (action === 'test') {
      const problem = await testSend(c, kind, drafts);
      if (problem) return editPage(c, kind, 422, drafts, budgets, { ...again, errors: [problem] });
      return editPage(c, kind, 200, drafts, budgets, { ...again, notice: c.t('Пробното съобщение е в опашката за изпращане.', 'The test message is queued for sending.') });
    }
    try {
      const saved = [];
      for (const lang of LANGS) saved.push({ lang, ...(await saveTemplate(c.deps.db, kind, lang, drafts[lang], actor(c), note || null, { smsPartBudget: budgets[lang], budget: budgetRule(c) })) });
      // This process uses the new version at once; the others at their next refresh (src/app/processes.ts).
      await c.deps.root.templates.refresh();
      const changed = saved.filter((s) => s.changed.length);
      await flash(c, changed.length ? c.t(`Запазено: ${changed.map((s) => `${s.lang} v${s.version}`).join(', ')}.`, `Saved: ${changed.map((s) => `${s.lang} v${s.version}`).join(', ')}.`) : c.t('Няма промени.', 'Nothing changed.'));
    } catch (e) {
      if (isAppError(e) && e.code === 'CONFLICT') return editPage(c, kind, 409, drafts, budgets, { ...again, errors: [{ field: fieldName('sms', 'bg'), text: e.message }] });
      throw e;
    }
    return redirect(c, `${TEMPLATES}/${kind}`);
  }),
];

