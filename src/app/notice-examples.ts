// docs/notices.md: one message of every type, as the customer gets it on every channel, rendered by
// the composition root's own renderer over the shipped templates for the demo utility. New message
// types appear by themselves: a type without a sample below gets one made from its template
// variables, so the page always shows every type there is (npm run docs:notices rewrites it).
import { maskAddress } from '../contacts/address.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { shippedTemplates } from '../delivery/render.js';
import { silentLogger } from '../log.js';
import { assemble } from './root.js';
import type { Renderer } from '../delivery/outbox/message.js';
import type { ChannelType } from '../delivery/outbox/tables.js';
import { defaultTemplates, templateVariables, type Lang, type MessageType, type TemplateChannel } from '../delivery/text/default-templates.js';
import { countSms } from '../delivery/text/segments.js';
import { SITE_VARIABLES } from '../delivery/text/site-variables.js';

/** The address the demo's links start with. */
export const EXAMPLES_PUBLIC_URL = 'https://izvestie.primer-energy.example.bg';

const PHONE = '+359888123456';

// What the daily run writes for a notice (src/dunning/render.ts NoticePayload): two unpaid invoices.
const notice = (stage: string, disconnection: string | null): Record<string, unknown> => ({
  run_id: 1,
  stage,
  notified_on: '2026-11-24',
  customer_number: '3100456789',
  customer_name: 'Мария Иванова',
  oldest_due_date: '2026-10-15',
  invoices: ['0201234567', '0201298765'],
  invoice_due_dates: ['2026-10-15', '2026-11-14'],
  invoice_open_minor: [4218, 4524],
  total_eur_minor: 8742,
  total_bgn_minor: null,
  min_eur_minor: 500,
  disconnection_date: disconnection,
  email_subscription_id: null,
});

// The fields the other writers put in a payload (lifecycle messages, confirmations, codes); a
// renderer takes the ones its type uses.
const COMMON: Record<string, unknown> = {
  customer_number: '3100456789',
  customer_name: 'Мария Иванова',
  amount_eur_minor: 4218,
  amount_bgn_minor: null,
  invoice_number: '0201298765',
  due_date: '2026-12-14',
  paid_on: '2026-11-26',
  restore_hours: 24,
  express_hours: 4,
  express_fee_eur_minor: 3068,
  channel: 'sms',
  address: PHONE,
  email_subscription_id: null,
};

const SAMPLES: Partial<Record<MessageType, Record<string, unknown>>> = {
  overdue_reminder: notice('reminder', null),
  overdue_second: notice('second', null),
  overdue_final: notice('final', '2026-12-10'),
  verification_code: { code: '482913', minutes: 10 },
};

// Values of template variables by name, for the payloads made from a type's variables.
const VALUES: Record<string, string | number> = {
  customer_name: 'Мария Иванова',
  customer_number_masked: '******6789',
  channel_bg: 'SMS',
  channel_en: 'SMS',
  address_masked: maskAddress(PHONE),
  code: '482913',
  minutes: 10,
};

function sampleValue(name: string): string | number {
  if (name in VALUES) return VALUES[name]!;
  if (name.endsWith('_url')) return `${EXAMPLES_PUBLIC_URL}/${name === 'manage_url' ? 'manage' : name.slice(0, -4).replace(/_/g, '-')}`;
  if (name.endsWith('_date') || name.endsWith('_on')) return '10.12.2026';
  if (name.endsWith('_eur')) return '42,18 €';
  if (name.endsWith('_count') || name.endsWith('_hours') || name.endsWith('_days')) return 3;
  return `‹${name}›`;
}

/** A payload for any type: the writers' fields, plus a value for each of its own template variables. */
export function samplePayload(type: MessageType): Record<string, unknown> {
  const known = SAMPLES[type];
  if (known) return known;
  const site = new Set<string>(SITE_VARIABLES);
  const vars: Record<string, string | number> = {};
  for (const channel of ['sms', 'email', 'letter'] as TemplateChannel[]) {
    for (const name of templateVariables(type, channel)) if (!site.has(name)) vars[name] = sampleValue(name);
  }
  return { ...vars, ...COMMON };
}

const LANGS: Array<{ lang: Lang; name: string }> = [
  { lang: 'bg', name: 'Bulgarian' },
  { lang: 'en', name: 'English' },
];

// Fenced blocks of text: a line of the message can never close the fence early.
function block(text: string): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}text\n${text}\n${fence}`;
}

function render(r: Renderer, type: MessageType, channel: ChannelType, lang: Lang): ReturnType<Renderer> {
  try {
    return r(type, channel, lang, samplePayload(type));
  } catch (e) {
    throw new Error(`${type} (${channel}, ${lang}): ${(e as Error).message}; give it a sample payload in src/app/notice-examples.ts`, { cause: e });
  }
}

/** The whole of docs/notices.md. */
export function noticeExamples(r: Renderer): string {
  const types = Object.keys(defaultTemplates) as MessageType[];
  const out = [
    '# Notices as customers get them',
    '',
    '<!-- Made by `npm run docs:notices` (src/app/notice-examples.ts); do not edit by hand. -->',
    '',
    'One message of every type on every channel, in both languages, rendered by the program\'s own',
    'renderer over the shipped templates (`src/delivery/text/default-templates.ts`) for the fictional',
    'demo utility (the `BRAND_*` settings\' defaults), with made-up sample data. SMS parts and encoding',
    'are counted as the SMSC will count them. The HTML email is the text email laid out with the',
    'utility\'s logo and colour. Staff can change every template in the back office.',
    '',
    ...types.map((t) => `- [\`${t}\`](#${t})`),
    '',
  ];
  for (const type of types) {
    out.push(`## ${type}`, '');
    for (const { lang, name } of LANGS) {
      out.push(`### ${type} — ${name}`, '');
      const sms = render(r, type, 'sms', lang);
      const count = countSms(sms.body);
      out.push(`**SMS** — ${count.segments} part${count.segments === 1 ? '' : 's'}, ${count.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'}, ${count.units} ${count.encoding === 'gsm7' ? 'septets' : 'UTF-16 units'}`, '', block(sms.body), '');
      const email = render(r, type, 'email', lang);
      out.push(`**Email** — subject: ${email.subject ?? ''}`, '', block(email.body), '');
      const letter = render(r, type, 'letter', lang);
      out.push('**Letter**', '', block(letter.body), '');
    }
  }
  return out.join('\n');
}

/** docs/notices.md as the program renders it now: the root assembled over an empty embedded database. */
export async function noticesDocument(): Promise<string> {
  const config = loadConfig({ PUBLIC_URL: EXAMPLES_PUBLIC_URL, IZVESTIE_DEMO_DATA: 'off' });
  const database = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, silentLogger);
  try {
    await migrate(database, silentLogger);
    const root = await assemble(config, silentLogger, database);
    return noticeExamples(root.renderWith(shippedTemplates));
  } finally {
    await database.close();
  }
}
