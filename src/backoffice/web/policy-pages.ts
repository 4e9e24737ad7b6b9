// The dunning policy (supervisors): stages and the disconnection list as a form, checked by the
// dunning engineer's parsePolicy, with a preview (what changes, and when each step falls for a
// bill due today) before saving a new version. Every version is listed with who, when and what.
import { isAppError } from '../../errors.js';
import { loadCalendar } from '../../dunning/calendar-store.js';
import { sofiaDate } from '../../dunning/calendar/index.js';
import { NOTICE_KINDS, PRE_DUE_AUDIENCES, defaultPolicy, parsePolicy, type DunningPolicy } from '../../dunning/policy.js';
import { currentPolicy, policyChanges, savePolicy } from '../../dunning/policy-store.js';
import { parseAmountToMinor } from '../../delivery/text/money.js';
import { html, sendHtml, type SafeHtml } from '../../http/html.js';
import { saveSessionData } from '../sessions.js';
import { banner, button, choices, input, select, type FieldError } from './components.js';
import { BASE, actor, field, fields, idParam, redirect, type StaffCtx } from './context.js';
import { csvEur, fmtDate, fmtDateTime, iso } from './format.js';
import { label } from './labels.js';
import { layout } from './layout.js';
import { sendCsv, table, wantsCsv, type Column } from './list.js';
import { messagePage, get, post, type BackofficeRoute } from './route.js';
import { takeFlash } from './account-pages.js';

const POLICY = `${BASE}/policy`;

// The channel orders a stage may have: the first the customer has is used, the rest are fallbacks.
const ORDERS = ['sms,email', 'email,sms', 'sms,email,letter', 'email,sms,letter', 'sms', 'email', 'sms,letter', 'email,letter', 'letter'];
const CLASSES = ['household', 'business'] as const;

type Stage = DunningPolicy['stages'][number];

interface Draft {
  stages: Array<{ id: string; days: string; template: string; channels: string; letter: boolean; min: string; classes: string[]; remove: boolean }>;
  d: { days: string; min: string; classes: string[] };
  /** The lifecycle sections (src/dunning/lifecycle/); null when a form without them was posted (their defaults: off). */
  life: LifeDraft | null;
  note: string;
}

// The lifecycle messages' fields: name → value (checkboxes 'yes' or '').
const LIFE_FIELDS = ['pd_on', 'pd_days', 'pd_audience', 'pd_channels', 'pd_min', 'pr_on', 'pr_channels', 'rc_on', 'rc_hours', 'rc_express', 'rc_fee', 'rc_channels', 'cc_on', 'cc_months', 'cc_max'] as const;
type LifeDraft = Record<(typeof LIFE_FIELDS)[number], string>;
const ELECTRONIC_ORDERS = ['sms,email', 'email,sms', 'sms', 'email'];
const LIFE_KEY: Record<string, string> = {
  'preDue.enabled': 'pd_on', 'preDue.workingDaysBefore': 'pd_days', 'preDue.audience': 'pd_audience', 'preDue.channels': 'pd_channels', 'preDue.minEurMinor': 'pd_min',
  'paymentReceived.enabled': 'pr_on', 'paymentReceived.channels': 'pr_channels',
  'reconnection.enabled': 'rc_on', 'reconnection.restoreWithinHours': 'rc_hours', 'reconnection.expressWithinHours': 'rc_express', 'reconnection.expressFeeEurMinor': 'rc_fee', 'reconnection.channels': 'rc_channels',
  'contactCheck.enabled': 'cc_on', 'contactCheck.afterMonths': 'cc_months', 'contactCheck.maxPerDay': 'cc_max',
};

function lifeOf(p: DunningPolicy): LifeDraft {
  const yes = (b: boolean) => (b ? 'yes' : '');
  return {
    pd_on: yes(p.preDue.enabled), pd_days: String(p.preDue.workingDaysBefore), pd_audience: p.preDue.audience, pd_channels: p.preDue.channels.join(','), pd_min: eur(p.preDue.minEurMinor),
    pr_on: yes(p.paymentReceived.enabled), pr_channels: p.paymentReceived.channels.join(','),
    rc_on: yes(p.reconnection.enabled), rc_hours: String(p.reconnection.restoreWithinHours), rc_express: String(p.reconnection.expressWithinHours), rc_fee: eur(p.reconnection.expressFeeEurMinor), rc_channels: p.reconnection.channels.join(','),
    cc_on: yes(p.contactCheck.enabled), cc_months: String(p.contactCheck.afterMonths), cc_max: String(p.contactCheck.maxPerDay),
  };
}

const eur = (minor: number) => csvEur(minor);

function draftOf(p: DunningPolicy): Draft {
  return {
    stages: p.stages.map((s) => ({ id: s.id, days: String(s.afterWorkingDays), template: s.template, channels: s.channels.join(','), letter: s.letterIfNoElectronicContact, min: eur(s.minOverdueEurMinor), classes: [...s.customerClasses], remove: false })),
    d: { days: String(p.disconnection.afterWorkingDays), min: eur(p.disconnection.minOverdueEurMinor), classes: [...p.disconnection.customerClasses] },
    life: lifeOf(p),
    note: '',
  };
}

function postedDraft(c: StaffCtx): Draft {
  const n = Math.min(Number(field(c, 'stages')) || 0, 11);
  const stages: Draft['stages'] = [];
  for (let i = 0; i < n; i++) {
    stages.push({
      id: field(c, `s${i}_id`),
      days: field(c, `s${i}_days`),
      template: field(c, `s${i}_template`),
      channels: field(c, `s${i}_channels`),
      letter: field(c, `s${i}_letter`) === 'yes',
      min: field(c, `s${i}_min`),
      classes: fields(c, `s${i}_classes`),
      remove: field(c, `s${i}_remove`) === 'yes',
    });
  }
  const life = field(c, 'life') === '1' ? (Object.fromEntries(LIFE_FIELDS.map((f) => [f, field(c, f)])) as LifeDraft) : null;
  return { stages, d: { days: field(c, 'd_days'), min: field(c, 'd_min'), classes: fields(c, 'd_classes') }, life, note: field(c, 'note') };
}

const KEY_FIELD: Record<string, string> = { id: 'id', afterWorkingDays: 'days', template: 'template', channels: 'channels', letterIfNoElectronicContact: 'letter', minOverdueEurMinor: 'min', customerClasses: 'classes' };

/** The draft as a policy object, and where each of its stages came from in the form. */
function toInput(c: StaffCtx, d: Draft): { input: unknown; formIndex: number[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const formIndex: number[] = [];
  const stages: unknown[] = [];
  const int = (s: string) => (/^\d{1,4}$/.test(s) ? Number(s) : Number.NaN);
  const money = (name: string, s: string) => {
    const m = parseAmountToMinor(s);
    if (m === null) errors.push({ field: name, text: c.t('Въведете сума в евро, напр. 5,00.', 'Enter an amount in euro, e.g. 5.00.') });
    return m ?? 0;
  };
  d.stages.forEach((s, i) => {
    // The spare row at the end adds a stage only when it is filled in.
    if (s.remove || (s.id === '' && s.days === '')) return;
    formIndex.push(i);
    stages.push({
      id: s.id,
      afterWorkingDays: int(s.days),
      template: s.template,
      channels: s.channels.split(',').filter(Boolean),
      letterIfNoElectronicContact: s.letter,
      minOverdueEurMinor: money(`s${i}_min`, s.min),
      customerClasses: s.classes,
    });
  });
  const input: Record<string, unknown> = { stages, disconnection: { afterWorkingDays: int(d.d.days), minOverdueEurMinor: money('d_min', d.d.min), customerClasses: d.d.classes } };
  const l = d.life;
  if (l) {
    const list = (v: string) => v.split(',').filter(Boolean);
    input.preDue = { enabled: l.pd_on === 'yes', workingDaysBefore: int(l.pd_days), audience: l.pd_audience, channels: list(l.pd_channels), minEurMinor: money('pd_min', l.pd_min) };
    input.paymentReceived = { enabled: l.pr_on === 'yes', channels: list(l.pr_channels) };
    input.reconnection = { enabled: l.rc_on === 'yes', restoreWithinHours: int(l.rc_hours), expressWithinHours: int(l.rc_express), expressFeeEurMinor: money('rc_fee', l.rc_fee), channels: list(l.rc_channels) };
    input.contactCheck = { enabled: l.cc_on === 'yes', afterMonths: int(l.cc_months), maxPerDay: /^\d{1,7}$/.test(l.cc_max) ? Number(l.cc_max) : Number.NaN };
  }
  return { input, formIndex, errors };
}

/** parsePolicy's "stages.1.afterWorkingDays: message" → the form field it is about. */
function problemField(path: string, formIndex: number[]): string {
  const [head, a, b] = path.split('.');
  if (head === 'stages' && a !== undefined && /^\d+$/.test(a)) return `s${formIndex[Number(a)] ?? 0}_${KEY_FIELD[b ?? 'id'] ?? 'id'}`;
  if (head === 'disconnection') return `d_${KEY_FIELD[a ?? ''] ?? 'days'}`;
  const life = LIFE_KEY[`${head}.${a ?? ''}`];
  if (life) return life;
  return 's0_id';
}

function checkDraft(c: StaffCtx, d: Draft): { policy: DunningPolicy | null; errors: FieldError[] } {
  const { input, formIndex, errors } = toInput(c, d);
  if (errors.length) return { policy: null, errors };
  try {
    return { policy: parsePolicy(input), errors: [] };
  } catch (e) {
    if (!isAppError(e) || e.code !== 'VALIDATION_FAILED') throw e;
    const problems = (e.details as { problems?: string[] }).problems ?? [];
    return {
      policy: null,
      errors: problems.map((p) => {
        const i = p.indexOf(': ');
        return { field: problemField(p.slice(0, i), formIndex), text: p };
      }),
    };
  }
}

function stageFields(c: StaffCtx, i: number, s: Draft['stages'][number], errors: FieldError[], spare: boolean): SafeHtml {
  return html`<fieldset class="stage"><legend><h3>${spare ? c.t('Нов етап (по желание)', 'New stage (optional)') : `${c.t('Етап', 'Stage')} ${i + 1}`}</h3></legend>
<div class="cols">
${input(c, { name: `s${i}_id`, label: c.t('Код на етапа', 'Stage code'), value: s.id, width: 'medium', hint: c.t('Не преименувайте етап, който вече е изпращал.', 'Never rename a stage that has sent notices.'), errors })}
${input(c, { name: `s${i}_days`, label: c.t('Работни дни след падежа', 'Working days after the due date'), value: s.days, inputmode: 'numeric', width: 'short', errors })}
${select(c, { name: `s${i}_template`, label: c.t('Шаблон', 'Template'), value: s.template, options: NOTICE_KINDS.map((k) => ({ value: k, label: label(c, 'kind', k) })), errors })}
${select(c, { name: `s${i}_channels`, label: c.t('Канали по ред', 'Channels in order'), value: s.channels, options: ORDERS.map((o) => ({ value: o, label: o.split(',').map((ch) => label(c, 'channel', ch)).join(' → ') })), errors })}
${input(c, { name: `s${i}_min`, label: c.t('Минимална просрочена сума (EUR)', 'Minimum overdue amount (EUR)'), value: s.min, width: 'short', errors })}
${choices(c, { name: `s${i}_classes`, legend: c.t('Клиенти', 'Customers'), type: 'checkbox', options: CLASSES.map((k) => ({ value: k, label: label(c, 'customerClass', k) })), checked: s.classes, errors })}
${choices(c, { name: `s${i}_letter`, legend: c.t('Без телефон и имейл', 'No phone or email'), type: 'checkbox', options: [{ value: 'yes', label: c.t('Писмо по пощата', 'A letter by post') }], checked: s.letter ? ['yes'] : [], errors })}
${spare ? '' : choices(c, { name: `s${i}_remove`, legend: c.t('Премахване', 'Remove'), type: 'checkbox', options: [{ value: 'yes', label: c.t('Премахване на етапа', 'Remove this stage') }], checked: s.remove ? ['yes'] : [] })}
</div></fieldset>`;
}

/** The four lifecycle messages, each a fieldset with its switch (README: "Lifecycle messages"). */
function lifeFields(c: StaffCtx, l: LifeDraft, errors: FieldError[]): SafeHtml {
  const on = (name: string, text: string) => choices(c, { name, legend: c.t('Изпращане', 'Sending'), type: 'checkbox', options: [{ value: 'yes', label: text }], checked: l[name as keyof LifeDraft] === 'yes' ? ['yes'] : [], errors });
  const order = (name: keyof LifeDraft) => select(c, { name, label: c.t('Канали по ред', 'Channels in order'), value: l[name], options: ELECTRONIC_ORDERS.map((o) => ({ value: o, label: o.split(',').map((ch) => label(c, 'channel', ch)).join(' → ') })), errors });
  const num = (name: keyof LifeDraft, text: string) => input(c, { name, label: text, value: l[name], inputmode: 'numeric', width: 'short', errors });
  return html`<input type="hidden" name="life" value="1">
<fieldset class="stage"><legend><h3>${c.t('Напомняне преди падежа', 'Reminder before the due date')}</h3></legend><div class="cols">
${on('pd_on', c.t('Изпращай напомняне преди падежа', 'Send a reminder before the due date'))}
${num('pd_days', c.t('Работни дни преди падежа', 'Working days before the due date'))}
${select(c, { name: 'pd_audience', label: c.t('На кого', 'To whom'), value: l.pd_audience, options: PRE_DUE_AUDIENCES.map((a) => ({ value: a, label: a === 'opt_in' ? c.t('на заявилите го клиенти', 'customers who asked for it') : c.t('на всички абонирани', 'everyone subscribed') })), errors })}
${order('pd_channels')}
${input(c, { name: 'pd_min', label: c.t('Минимална сума (EUR)', 'Minimum amount (EUR)'), value: l.pd_min, width: 'short', errors })}
</div></fieldset>
<fieldset class="stage"><legend><h3>${c.t('Получено плащане', 'Payment received')}</h3></legend><div class="cols">
${on('pr_on', c.t('Благодари, когато плащане прекрати просрочие, за което е изпратено известие', 'Say thank you when a payment ends an episode a notice was sent about'))}
${order('pr_channels')}
</div></fieldset>
<fieldset class="stage"><legend><h3>${c.t('Възстановяване на захранването', 'Supply restored')}</h3></legend><div class="cols">
${on('rc_on', c.t('Уведомявай клиент от списъка за изключване, платил изцяло', 'Tell a customer on the disconnection list who paid in full'))}
${num('rc_hours', c.t('Възстановяване до (часа)', 'Restored within (hours)'))}
${num('rc_express', c.t('Експресно възстановяване до (часа)', 'Express reconnection within (hours)'))}
${input(c, { name: 'rc_fee', label: c.t('Такса за експресно възстановяване (EUR)', 'Express reconnection fee (EUR)'), value: l.rc_fee, width: 'short', errors })}
${order('rc_channels')}
</div></fieldset>
<fieldset class="stage"><legend><h3>${c.t('Проверка на контактите', 'Contact check')}</h3></legend><div class="cols">
${on('cc_on', c.t('Питай веднъж годишно дали контактът е актуален', 'Ask once a year whether the contact is up to date'))}
${num('cc_months', c.t('След колко месеца от потвърждението', 'Months after the last confirmation'))}
${num('cc_max', c.t('Най-много на ден', 'At most a day'))}
</div></fieldset>`;
}

interface VersionRow {
  version: number;
  createdBy: string;
  createdAt: Date;
  note: string | null;
  changes: string[];
}

async function versionRows(c: StaffCtx): Promise<VersionRow[]> {
  const rows = await c.deps.db.selectFrom('dunning_policies').selectAll().orderBy('version').execute();
  let before: unknown = defaultPolicy;
  const out: VersionRow[] = [];
  for (const r of rows) {
    out.push({ version: r.version, createdBy: r.created_by, createdAt: r.created_at, note: r.note, changes: policyChanges(before, r.policy) });
    before = r.policy;
  }
  return out.reverse();
}

const versionColumns: Column<VersionRow>[] = [
  { bg: 'Версия', en: 'Version', csv: (v) => v.version, cell: (v) => html`<a href="${POLICY}/versions/${v.version}">${v.version}</a>`, numeric: true },
  { bg: 'Запазена от', en: 'Saved by', csv: (v) => v.createdBy },
  { bg: 'Запазена на', en: 'Saved at', csv: (v) => iso(v.createdAt), cell: (v) => fmtDateTime(v.createdAt) },
  { bg: 'Бележка', en: 'Note', csv: (v) => v.note },
  { bg: 'Промени', en: 'Changes', csv: (v) => v.changes.join('; '), cell: (v) => html`<ul class="list">${v.changes.map((x) => html`<li class="mono">${x}</li>`)}</ul>` },
];

/** When each step falls for a bill due today, by the working-day calendar. */
async function timeline(c: StaffCtx, p: DunningPolicy): Promise<SafeHtml> {
  const calendar = await loadCalendar(c.deps.db);
  const due = sofiaDate(c.deps.now());
  const steps = [...p.stages.map((s: Stage) => ({ name: `${s.id} (${label(c, 'kind', s.template)})`, days: s.afterWorkingDays })), { name: c.t('списък за изключване', 'disconnection list'), days: p.disconnection.afterWorkingDays }];
  return html`<h3>${c.t('Сметка с падеж днес', 'A bill due today')} (${fmtDate(due)})</h3><ul class="list">${steps.map((s) => html`<li>${s.name}: ${fmtDate(calendar.addWorkingDays(due, s.days))}</li>`)}</ul>`;
}

async function policyPage(c: StaffCtx, status: number, d: Draft, o: { errors?: FieldError[]; preview?: DunningPolicy | null } = {}) {
  const errors = o.errors ?? [];
  const current = await currentPolicy(c.deps.db);
  const versions = await versionRows(c);
  const spare = { id: '', days: '', template: 'overdue_reminder', channels: 'sms,email', letter: false, min: '5.00', classes: [...CLASSES], remove: false };
  const rows = [...d.stages, ...(d.stages.length < 10 ? [spare] : [])];
  const preview = o.preview
    ? html`<section class="card" aria-labelledby="preview-title"><h2 id="preview-title">${c.t('Преглед на промените', 'Preview of the changes')}</h2>
${(() => {
  const changes = policyChanges(current.policy, o.preview);
  return changes.length ? html`<ul class="list">${changes.map((x) => html`<li class="mono">${x}</li>`)}</ul>` : html`<p>${c.t('Няма промени.', 'Nothing changed.')}</p>`;
})()}
${await timeline(c, o.preview)}</section>`
    : '';
  const main = html`<h1>${c.t('Политика за известията', 'Notice policy')}</h1>
${banner(await takeFlash(c))}
<p>${c.t('В сила', 'In force')}: ${current.version === 0 ? c.t('политиката по подразбиране', 'the default policy') : html`${c.t('версия', 'version')} ${current.version} (${current.createdBy}, ${fmtDateTime(current.createdAt)})`}</p>
${preview}
<form method="post" action="${POLICY}" novalidate>
<input type="hidden" name="_csrf" value="${c.session.csrf}">
<input type="hidden" name="stages" value="${rows.length}">
${rows.map((s, i) => stageFields(c, i, s, errors, i >= d.stages.length))}
<fieldset class="stage"><legend><h3>${c.t('Списък за изключване', 'Disconnection list')}</h3></legend><div class="cols">
${input(c, { name: 'd_days', label: c.t('Работни дни след падежа', 'Working days after the due date'), value: d.d.days, inputmode: 'numeric', width: 'short', errors })}
${input(c, { name: 'd_min', label: c.t('Минимална просрочена сума (EUR)', 'Minimum overdue amount (EUR)'), value: d.d.min, width: 'short', errors })}
${choices(c, { name: 'd_classes', legend: c.t('Клиенти', 'Customers'), type: 'checkbox', options: CLASSES.map((k) => ({ value: k, label: label(c, 'customerClass', k) })), checked: d.d.classes, errors })}
</div></fieldset>
${lifeFields(c, d.life ?? lifeOf(current.policy), errors)}
${input(c, { name: 'note', label: c.t('Причина за промяната', 'Reason for the change'), value: d.note, width: 'long' })}
${button(c.t('Преглед', 'Preview'), 'secondary', 'action', 'preview')}${button(c.t('Запазване на нова версия', 'Save a new version'), 'primary', 'action', 'save')}
</form>
${table(c, { id: 'versions', caption: c.t('Версии', 'Versions'), columns: versionColumns, rows: versions, empty: c.t('Няма запазени версии: действа политиката по подразбиране.', 'No saved versions: the default policy is in force.') })}`;
  return sendHtml(c.reply, status, layout(c, { title: c.t('Политика', 'Policy'), main, errors, wide: true }));
}

async function flash(c: StaffCtx, text: string) {
  c.session.data.flash = text;
  await saveSessionData(c.deps.db, c.session);
}

export const policyRoutes: BackofficeRoute[] = [
  get(POLICY, 'supervisor', async (c) => {
    if (wantsCsv(c)) return sendCsv(c, 'policy-versions', versionColumns, await versionRows(c));
    return policyPage(c, 200, draftOf((await currentPolicy(c.deps.db)).policy));
  }),

  post(POLICY, 'supervisor', async (c) => {
    const d = postedDraft(c);
    const { policy, errors } = checkDraft(c, d);
    if (!policy) return policyPage(c, 422, d, { errors });
    if (field(c, 'action') !== 'save') return policyPage(c, 200, d, { preview: policy });
    try {
      const v = await savePolicy(c.deps.db, policy, actor(c), d.note || null);
      await flash(c, c.t(`Запазена е версия ${v.version}.`, `Version ${v.version} is saved.`));
    } catch (e) {
      if (isAppError(e) && e.code === 'CONFLICT') return policyPage(c, 409, d, { errors: [{ field: 's0_id', text: e.message }] });
      throw e;
    }
    return redirect(c, POLICY);
  }),

  get(`${POLICY}/versions/:version`, 'supervisor', async (c) => {
    const v = idParam(c, 'version');
    const row = v === null ? undefined : await c.deps.db.selectFrom('dunning_policies').selectAll().where('version', '=', v).executeTakeFirst();
    if (!row) return messagePage(c, 404, c.t('Няма такава версия', 'No such version'), c.t('Проверете връзката.', 'Check the link.'));
    const main = html`<h1>${c.t('Политика, версия', 'Policy version')} ${row.version}</h1>
<p>${row.created_by}, ${fmtDateTime(row.created_at)}${row.note ? html` – ${row.note}` : ''}</p>
<pre>${JSON.stringify(row.policy, null, 2)}</pre>
<p><a href="${POLICY}">${c.t('Назад към политиката', 'Back to the policy')}</a></p>`;
    return sendHtml(c.reply, 200, layout(c, { title: `${c.t('Политика, версия', 'Policy version')} ${row.version}`, main }));
  }),
];
