import { escapeHtml } from './render.js';
import { SITE_VARIABLES } from './site-variables.js';

export type MessageType =
  | 'overdue_reminder'
  | 'overdue_second'
  | 'overdue_final'
  | 'verification_code'
  | 'subscription_confirmed'
  | 'subscription_changed'
  | 'subscription_cancelled'
  | 'contact_changed_notice';

export type Lang = 'bg' | 'en';

export type TemplateChannel = 'sms' | 'email' | 'letter';

export interface TemplateSet {
  sms: string;
  emailSubject: string;
  emailText: string;
  emailHtml: string;
  letter: string;
}

const OVERDUE_VARIABLES = [
  'customer_name',
  'customer_number_masked',
  'total_eur',
  'total_bgn_note',
  'invoice_count',
  'invoice_numbers',
  'oldest_due_date',
  'pay_url',
] as const;
const CONFIRMATION_VARIABLES = ['channel_bg', 'channel_en', 'address_masked', 'manage_url'] as const;

/** The placeholders a template of this type may use on this channel (the contract for saving templates). */
export function templateVariables(type: MessageType, channel: TemplateChannel): readonly string[] {
  return [...SITE_VARIABLES, ...ownVariables(type, channel)];
}

function ownVariables(type: MessageType, channel: TemplateChannel): readonly string[] {
  switch (type) {
    case 'overdue_reminder':
    case 'overdue_second':
    case 'overdue_final': {
      const vars: string[] = [...OVERDUE_VARIABLES];
      if (type === 'overdue_final') vars.push('disconnection_date');
      // Only email carries an unsubscribe link (RFC 8058 one-click); SMS and letters stay short.
      if (channel === 'email') vars.push('unsubscribe_url');
      return vars;
    }
    case 'verification_code':
      return ['code', 'minutes'];
    case 'subscription_confirmed':
    case 'subscription_changed':
    case 'subscription_cancelled':
    case 'contact_changed_notice':
      return CONFIRMATION_VARIABLES;
  }
}

// One draft per type and language; email text, email HTML and letter are derived from it so
// that the three never drift apart.
interface Draft {
  sms: string;
  subject: string;
  greeting: string;
  body: string[];
  action?: { label: string; url: string };
  /** Email only: the reason for the message and the way out. */
  footer?: string;
}

const SIGNATURE: Record<Lang, string> = {
  bg: 'С уважение,\nЕкипът за обслужване на клиенти',
  en: 'Kind regards,\nCustomer Service',
};

const DETAILS: Record<Lang, string> = {
  bg:
    'Брой неплатени фактури: {{invoice_count}}\nНомера на фактурите: {{invoice_numbers}}\n' +
    'Обща дължима сума: {{total_eur}}{{total_bgn_note}}\nНай-ранен падеж: {{oldest_due_date}}',
  en:
    'Number of unpaid invoices: {{invoice_count}}\nInvoice numbers: {{invoice_numbers}}\n' +
    'Total amount due: {{total_eur}}{{total_bgn_note}}\nEarliest due date: {{oldest_due_date}}',
};

// Bank and cash-desk payments reach the utility days later, so a paid customer may still be listed.
const ALREADY_PAID: Record<Lang, string> = {
  bg:
    'Ако вече сте платили, моля, не се съобразявайте с това известие. ' +
    'Плащанията по банков път и на каса може да достигнат до нас няколко работни дни по-късно.',
  en:
    'If you have already paid, please disregard this notice. ' +
    'Bank transfers and cash-desk payments can take a few working days to reach us.',
};

const WAYS_TO_PAY: Record<Lang, string> = {
  bg: 'Можете да платите онлайн, по банков път или на каса.',
  en: 'You can pay online, by bank transfer or at a cash desk.',
};

const PAY_ACTION: Record<Lang, { label: string; url: string }> = {
  bg: { label: 'Платете онлайн', url: '{{pay_url}}' },
  en: { label: 'Pay online', url: '{{pay_url}}' },
};

const UNSUBSCRIBE_FOOTER: Record<Lang, string> = {
  bg:
    'Получавате това съобщение, защото сте абонирани за известия за неплатени сметки за електроенергия. ' +
    'Ако не желаете да ги получавате, можете да се откажете тук: {{unsubscribe_url}}',
  en:
    'You receive this message because you subscribed to unpaid-bill notices for electricity. ' +
    'If you no longer wish to receive them, you can unsubscribe here: {{unsubscribe_url}}',
};

const SUBSCRIPTION_DETAILS: Record<Lang, string> = {
  bg: 'Канал: {{channel_bg}}\nАдрес за известия: {{address_masked}}',
  en: 'Channel: {{channel_en}}\nNotification address: {{address_masked}}',
};

const MANAGE_ACTION: Record<Lang, { label: string; url: string }> = {
  bg: { label: 'Управление на абонамента', url: '{{manage_url}}' },
  en: { label: 'Manage your subscription', url: '{{manage_url}}' },
};

const DRAFTS: Record<MessageType, Record<Lang, Draft>> = {
  overdue_reminder: {
    bg: {
      sms:
        'Имате неплатени сметки за ток (клиентски № {{customer_number_masked}}) с падеж от {{oldest_due_date}}: ' +
        '{{total_eur}}{{total_bgn_note}}. Платете на {{pay_url}} Ако вече сте платили, благодарим!',
      subject: 'Напомняне за неплатени сметки – клиентски № {{customer_number_masked}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Напомняме Ви, че по клиентски № {{customer_number_masked}} има неплатени сметки за електроенергия.',
        DETAILS.bg,
        WAYS_TO_PAY.bg,
        ALREADY_PAID.bg,
      ],
      action: PAY_ACTION.bg,
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms:
        'You have unpaid electricity bills (customer no. {{customer_number_masked}}) due since {{oldest_due_date}}: ' +
        '{{total_eur}}{{total_bgn_note}}. Pay at {{pay_url}} If you have already paid, thank you!',
      subject: 'Reminder of unpaid bills - customer no. {{customer_number_masked}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'This is a reminder that there are unpaid electricity bills for customer no. {{customer_number_masked}}.',
        DETAILS.en,
        WAYS_TO_PAY.en,
        ALREADY_PAID.en,
      ],
      action: PAY_ACTION.en,
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  overdue_second: {
    bg: {
      sms:
        'Второ напомняне: неплатени сметки, клиентски № {{customer_number_masked}}, с падеж от {{oldest_due_date}}: ' +
        '{{total_eur}}{{total_bgn_note}}. Плащане: {{pay_url}} Ако сте платили, благодарим!',
      subject: 'Второ напомняне за неплатени сметки – клиентски № {{customer_number_masked}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Въпреки предходното ни напомняне сметките за електроенергия по клиентски № {{customer_number_masked}} все още не са платени.',
        DETAILS.bg,
        'Молим Ви да ги платите възможно най-скоро. ' + WAYS_TO_PAY.bg,
        ALREADY_PAID.bg,
      ],
      action: PAY_ACTION.bg,
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms:
        'Second reminder: unpaid electricity bills, customer no. {{customer_number_masked}}, due since {{oldest_due_date}}: ' +
        '{{total_eur}}{{total_bgn_note}}. Pay at {{pay_url}} If you have already paid, thank you!',
      subject: 'Second reminder of unpaid bills - customer no. {{customer_number_masked}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'Despite our previous reminder, the electricity bills for customer no. {{customer_number_masked}} are still unpaid.',
        DETAILS.en,
        'Please pay them as soon as possible. ' + WAYS_TO_PAY.en,
        ALREADY_PAID.en,
      ],
      action: PAY_ACTION.en,
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  overdue_final: {
    bg: {
      sms:
        'Последно напомняне: неплатени сметки, клиентски № {{customer_number_masked}}: {{total_eur}}{{total_bgn_note}}. ' +
        'След {{disconnection_date}} захранването може да бъде прекъснато. Плащане: {{pay_url}}',
      subject: 'Последно напомняне преди прекъсване на захранването – клиентски № {{customer_number_masked}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Въпреки предходните ни напомняния сметките за електроенергия по клиентски № {{customer_number_masked}} все още не са платени.',
        DETAILS.bg,
        'Ако дължимата сума не бъде платена, след {{disconnection_date}} електрозахранването на обекта може да бъде прекъснато съгласно общите условия на договора.',
        'Ако имате подадена жалба или спор по тези сметки, или се нуждаете от съдействие за плащането, моля, свържете се с нас преди тази дата.',
        WAYS_TO_PAY.bg,
        ALREADY_PAID.bg,
      ],
      action: PAY_ACTION.bg,
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms:
        'Final reminder: unpaid electricity bills, customer no. {{customer_number_masked}}: {{total_eur}}{{total_bgn_note}}. ' +
        'After {{disconnection_date}} the supply may be disconnected. Pay at {{pay_url}} If you have already paid, thank you!',
      subject: 'Final reminder before disconnection - customer no. {{customer_number_masked}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'Despite our previous reminders, the electricity bills for customer no. {{customer_number_masked}} are still unpaid.',
        DETAILS.en,
        'If the amount due is not paid, the electricity supply to the premises may be disconnected after {{disconnection_date}} under the general terms of the contract.',
        'If you have filed a complaint or dispute about these bills, or need help with payment, please contact us before that date.',
        WAYS_TO_PAY.en,
        ALREADY_PAID.en,
      ],
      action: PAY_ACTION.en,
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  verification_code: {
    bg: {
      sms: 'Кодът Ви за потвърждение е {{code}}. Валиден е {{minutes}} мин. Не го съобщавайте на никого.',
      subject: 'Вашият код за потвърждение',
      greeting: 'Здравейте,',
      body: [
        'Кодът Ви за потвърждение е: {{code}}',
        'Кодът е валиден {{minutes}} мин. Не го съобщавайте на никого, включително на наши служители.',
        'Ако не сте поискали този код, не е необходимо да правите нищо: без него абонаментът Ви няма да бъде променен.',
      ],
    },
    en: {
      sms: 'Your verification code is {{code}}. It is valid for {{minutes}} min. Do not share it with anyone.',
      subject: 'Your verification code',
      greeting: 'Hello,',
      body: [
        'Your verification code is: {{code}}',
        'The code is valid for {{minutes}} min. Do not share it with anyone, including our staff.',
        'If you did not request this code, you do not need to do anything: without it your subscription will not change.',
      ],
    },
  },
  subscription_confirmed: {
    bg: {
      sms: 'Абонаментът Ви за известия за неплатени сметки е активиран ({{channel_bg}}: {{address_masked}}). Управление: {{manage_url}}',
      subject: 'Абонаментът Ви за известия е активиран',
      greeting: 'Здравейте,',
      body: [
        'Абонаментът Ви за известия за неплатени сметки за електроенергия е активиран.',
        SUBSCRIPTION_DETAILS.bg,
        'Ще Ви уведомяваме, когато срокът за плащане на сметка изтече. Можете да промените или прекратите абонамента си по всяко време.',
      ],
      action: MANAGE_ACTION.bg,
    },
    en: {
      sms: 'Your subscription to unpaid-bill notices is active ({{channel_en}}: {{address_masked}}). Manage it at {{manage_url}}',
      subject: 'Your notice subscription is active',
      greeting: 'Hello,',
      body: [
        'Your subscription to notices about unpaid electricity bills is now active.',
        SUBSCRIPTION_DETAILS.en,
        'We will notify you when a bill is past its due date. You can change or cancel your subscription at any time.',
      ],
      action: MANAGE_ACTION.en,
    },
  },
  subscription_changed: {
    bg: {
      sms: 'Абонаментът Ви за известия е променен ({{channel_bg}}: {{address_masked}}). Ако не сте го променили Вие, проверете на {{manage_url}}',
      subject: 'Абонаментът Ви за известия е променен',
      greeting: 'Здравейте,',
      body: [
        'Абонаментът Ви за известия за неплатени сметки за електроенергия беше променен.',
        SUBSCRIPTION_DETAILS.bg,
        'Ако промяната не е направена от Вас, моля, проверете абонамента си и се свържете с нас.',
      ],
      action: MANAGE_ACTION.bg,
    },
    en: {
      sms: 'Your notice subscription has changed ({{channel_en}}: {{address_masked}}). If this was not you, check it at {{manage_url}}',
      subject: 'Your notice subscription has changed',
      greeting: 'Hello,',
      body: [
        'Your subscription to notices about unpaid electricity bills has been changed.',
        SUBSCRIPTION_DETAILS.en,
        'If you did not make this change, please check your subscription and contact us.',
      ],
      action: MANAGE_ACTION.en,
    },
  },
  subscription_cancelled: {
    bg: {
      sms: 'Абонаментът Ви за известия ({{channel_bg}}: {{address_masked}}) е прекратен. Можете да се абонирате отново на {{manage_url}}',
      subject: 'Абонаментът Ви за известия е прекратен',
      greeting: 'Здравейте,',
      body: [
        'Абонаментът Ви за известия за неплатени сметки за електроенергия беше прекратен и вече няма да получавате известия на този адрес.',
        SUBSCRIPTION_DETAILS.bg,
        'Ако не сте поискали прекратяването или промените решението си, можете да се абонирате отново по всяко време.',
      ],
      action: { label: 'Абонирайте се отново', url: '{{manage_url}}' },
    },
    en: {
      sms: 'Your notice subscription ({{channel_en}}: {{address_masked}}) has been cancelled. You can subscribe again at {{manage_url}}',
      subject: 'Your notice subscription has been cancelled',
      greeting: 'Hello,',
      body: [
        'Your subscription to notices about unpaid electricity bills has been cancelled, and you will no longer receive notices at this address.',
        SUBSCRIPTION_DETAILS.en,
        'If you did not ask for this, or change your mind, you can subscribe again at any time.',
      ],
      action: { label: 'Subscribe again', url: '{{manage_url}}' },
    },
  },
  // Goes to the previous contact, so that a hijacked subscription does not go unnoticed.
  contact_changed_notice: {
    bg: {
      sms: 'Контактът за известия в абонамента Ви беше променен на {{address_masked}} ({{channel_bg}}). Ако не сте Вие, проверете на {{manage_url}}',
      subject: 'Променен контакт за известия',
      greeting: 'Здравейте,',
      body: [
        'Уведомяваме Ви, че контактът за известия за неплатени сметки в абонамента Ви беше променен. Новите данни са:',
        SUBSCRIPTION_DETAILS.bg,
        'Ако промяната е направена от Вас, не е необходимо да правите нищо. Ако не сте я направили Вие, моля, проверете абонамента си и се свържете с нас.',
      ],
      action: { label: 'Проверете абонамента', url: '{{manage_url}}' },
    },
    en: {
      sms: 'The contact for notices in your subscription was changed to {{address_masked}} ({{channel_en}}). If this was not you, check it at {{manage_url}}',
      subject: 'Contact for notices changed',
      greeting: 'Hello,',
      body: [
        'The contact for unpaid-bill notices in your subscription has been changed. The new details are:',
        SUBSCRIPTION_DETAILS.en,
        'If you made this change, you do not need to do anything. If you did not, please check your subscription and contact us.',
      ],
      action: { label: 'Check your subscription', url: '{{manage_url}}' },
    },
  },
};

function plainOf(lang: Lang, d: Draft, footer: string | undefined): string {
  const parts = [d.greeting, ...d.body];
  if (d.action) parts.push(`${d.action.label}: ${d.action.url}`);
  parts.push(SIGNATURE[lang]);
  if (footer) parts.push(`--\n${footer}`);
  return parts.join('\n\n');
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const P = 'margin:0 0 16px;';

// Static text is escaped here; placeholder values are escaped by renderTemplate({ html: true }).
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/\n/g, '<br>')
    .replace(/\{\{(\w+_url)\}\}/g, '<a href="{{$1}}" style="color:#1a56db;">{{$1}}</a>');
}

function htmlOf(lang: Lang, d: Draft): string {
  const lines = [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(d.subject)}</title></head>`,
    `<body style="margin:0;padding:0;background-color:#f3f4f6;">`,
    `<div style="max-width:600px;margin:0 auto;padding:24px;background-color:#ffffff;${FONT}font-size:16px;line-height:1.5;color:#1f2937;">`,
    ...[d.greeting, ...d.body].map((t) => `<p style="${P}">${inline(t)}</p>`),
  ];
  if (d.action) {
    lines.push(
      `<p style="margin:24px 0;"><a href="${d.action.url}" style="display:inline-block;padding:12px 24px;background-color:#1a56db;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold;">${escapeHtml(d.action.label)}</a></p>`,
    );
  }
  lines.push(`<p style="${P}">${inline(SIGNATURE[lang])}</p>`);
  if (d.footer) {
    lines.push(`<p style="margin:24px 0 0;padding-top:16px;border-top:1px solid #e5e7eb;font-size:13px;color:#6b7280;">${inline(d.footer)}</p>`);
  }
  lines.push('</div>', '</body>', '</html>');
  return lines.join('\n');
}

function build(lang: Lang, d: Draft): TemplateSet {
  return { sms: d.sms, emailSubject: d.subject, emailText: plainOf(lang, d, d.footer), emailHtml: htmlOf(lang, d), letter: plainOf(lang, d, undefined) };
}

function buildType(drafts: Record<Lang, Draft>): Record<Lang, TemplateSet> {
  return { bg: build('bg', drafts.bg), en: build('en', drafts.en) };
}

export const defaultTemplates: Record<MessageType, Record<Lang, TemplateSet>> = {
  overdue_reminder: buildType(DRAFTS.overdue_reminder),
  overdue_second: buildType(DRAFTS.overdue_second),
  overdue_final: buildType(DRAFTS.overdue_final),
  verification_code: buildType(DRAFTS.verification_code),
  subscription_confirmed: buildType(DRAFTS.subscription_confirmed),
  subscription_changed: buildType(DRAFTS.subscription_changed),
  subscription_cancelled: buildType(DRAFTS.subscription_cancelled),
  contact_changed_notice: buildType(DRAFTS.contact_changed_notice),
};
