import { escapeHtml } from './render.js';
import { SITE_VARIABLES } from './site-variables.js';
import type { SmsScript } from './sms-script.js';

export type MessageType =
  | 'overdue_reminder'
  | 'overdue_second'
  | 'overdue_final'
  | 'verification_code'
  | 'subscription_confirmed'
  | 'subscription_changed'
  | 'subscription_cancelled'
  | 'contact_changed_notice'
  // Lifecycle messages (src/dunning/lifecycle/), each turned on in the dunning policy.
  | 'predue_reminder'
  | 'payment_received'
  | 'supply_restored'
  | 'contact_check';

export type Lang = 'bg' | 'en';

export type TemplateChannel = 'sms' | 'email' | 'letter' | 'viber';

export interface TemplateSet {
  sms: string;
  /** Letters the SMS goes out in (absent: 'latin', transliterated to GSM-7 so that it fits one part). */
  smsScript?: SmsScript;
  /** The Viber text (up to 1,000 characters, any letters); absent: the SMS text, as written (not transliterated). */
  viber?: string;
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
  // The customer number as NOTICE_CUSTOMER_NUMBER says (masked or whole), the bPay code ('' if none),
  // one line an invoice, and every way to pay the utility configures (src/portal/pay/ways.ts).
  'customer_no',
  'pay_code',
  'invoice_list',
  'ways_to_pay',
] as const;
const CONFIRMATION_VARIABLES = ['channel_bg', 'channel_en', 'address_masked', 'manage_url'] as const;
const PAYMENT_VARIABLES = ['customer_name', 'customer_number_masked', 'amount_eur', 'amount_bgn_note'] as const;
const LIFECYCLE_VARIABLES = {
  predue_reminder: [...PAYMENT_VARIABLES, 'invoice_number', 'due_date', 'pay_url'],
  payment_received: [...PAYMENT_VARIABLES, 'paid_on'],
  supply_restored: [...PAYMENT_VARIABLES, 'paid_on', 'restore_hours', 'express_hours', 'express_fee_eur'],
} as const;

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
    case 'predue_reminder':
    case 'payment_received':
    case 'supply_restored':
      return [...LIFECYCLE_VARIABLES[type], ...(channel === 'email' ? ['unsubscribe_url'] : [])];
    case 'contact_check':
      return ['customer_number_masked', ...CONFIRMATION_VARIABLES];
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

// The utility signs with its name and customer-centre phone (site variables, from BRAND_*): every
// type, the portal's own codes and confirmations too (src/portal/messages.ts passes them in).
const SIGNATURE: Record<Lang, string> = {
  bg: 'С уважение,\n{{utility_name}}\nЦентър за обслужване на клиенти: {{utility_phone}}',
  en: 'Kind regards,\n{{utility_name}}\nCustomer centre: {{utility_phone}}',
};

// The long forms (email, letter) say what the Energy Act (art. 38б, 38з) and Directive 2019/944
// (art. 10(11), 28a) ask a notice to say; every utility fact is a variable from its settings.
const DETAILS: Record<Lang, string> = {
  bg:
    'Дължима сума: {{total_eur}}{{total_bgn_note}}\nПадеж на най-старата неплатена фактура: {{oldest_due_date}}\n' +
    'Неплатени фактури ({{invoice_count}}):\n{{invoice_list}}',
  en:
    'Amount due: {{total_eur}}{{total_bgn_note}}\nDue date of the oldest unpaid invoice: {{oldest_due_date}}\n' +
    'Unpaid invoices ({{invoice_count}}):\n{{invoice_list}}',
};

// Bank and cash-desk payments reach the utility days later, so a paid customer may still be listed.
const ALREADY_PAID: Record<Lang, string> = {
  bg:
    'Ако вече сте платили, благодарим Ви и моля, не се съобразявайте с това известие. ' +
    'Плащанията по банков път и на каса достигат до нас до {{pay_settlement_days}} работни дни по-късно.',
  en:
    'If you have already paid, thank you, and please disregard this notice. ' +
    'Payments by bank transfer or at a cash desk take up to {{pay_settlement_days}} working days to reach us.',
};

// Kinds without the per-notice list of ways ({{ways_to_pay}}) say it in general.
const WAYS_TO_PAY: Record<Lang, string> = {
  bg: 'Можете да платите онлайн, по банков път или на каса.',
  en: 'You can pay online, by bank transfer or at a cash desk.',
};

// The overdue notices: every way the utility configures, with what to enter (src/portal/pay/ways.ts).
const PAY_WAYS: Record<Lang, string> = {
  bg: 'Как да платите:\n{{ways_to_pay}}',
  en: 'How to pay:\n{{ways_to_pay}}',
};

const PAY_ACTION: Record<Lang, { label: string; url: string }> = {
  bg: { label: 'Платете сега', url: '{{pay_url}}' },
  en: { label: 'Pay now', url: '{{pay_url}}' },
};

// What suspension and restoration cost (art. 38б); before the final notice no date is set yet.
const COSTS: Record<Lang, string> = {
  bg:
    'При продължаващо неплащане захранването може да бъде прекъснато след последно напомняне. ' +
    'Прекъсването струва {{suspension_fee}}, а възстановяването на захранването – {{restoration_fee}}.',
  en:
    'If the bills stay unpaid, the supply may be disconnected after a final reminder. ' +
    'Disconnection costs {{suspension_fee}} and restoring the supply {{restoration_fee}}.',
};

const FINAL_COSTS: Record<Lang, string> = {
  bg:
    'Ако дължимата сума не бъде платена, след {{disconnection_date}} електрозахранването на обекта може да бъде прекъснато ' +
    'съгласно общите условия на договора. Прекъсването струва {{suspension_fee}}, а възстановяването на захранването – {{restoration_fee}}.',
  en:
    'If the amount due is not paid, the electricity supply to the premises may be disconnected after {{disconnection_date}} ' +
    'under the general terms of the contract. Disconnection costs {{suspension_fee}} and restoring the supply {{restoration_fee}}.',
};

// An open complaint or dispute stops disconnection (art. 28a); alternatives told in advance (art. 10(11)).
const HELP: Record<Lang, string> = {
  bg:
    'Докато е открита Ваша жалба или спор за тези сметки, захранването няма да бъде прекъснато. ' +
    'Жалба можете да подадете на {{complaints_url}}, на телефон {{utility_phone}} или в център за обслужване на клиенти.\n' +
    'Ако сте в затруднено положение, можете да поискате разсрочено плащане или защита като уязвим клиент: {{support_url}}\n' +
    'Център за обслужване на клиенти: {{utility_phone}}',
  en:
    'While a complaint or dispute of yours about these bills is open, the supply will not be disconnected. ' +
    'You can file one at {{complaints_url}}, by phone on {{utility_phone}} or at a customer centre.\n' +
    'If you are in a difficult situation, you can ask for a payment plan or for protection as a vulnerable customer: {{support_url}}\n' +
    'Customer centre: {{utility_phone}}',
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
        '{{utility_short}}: Неплатено по кл.№ {{customer_no}}: {{total_eur}}{{total_bgn_note}}, ' +
        'падеж {{oldest_due_date}}. Платете: {{pay_url}}',
      subject: 'Напомняне за неплатени сметки – клиентски № {{customer_no}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Напомняме Ви, че по клиентски № {{customer_no}} има неплатени сметки за електроенергия.',
        DETAILS.bg,
        PAY_WAYS.bg,
        ALREADY_PAID.bg,
        COSTS.bg,
        HELP.bg,
      ],
      action: PAY_ACTION.bg,
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms:
        '{{utility_short}}: Unpaid bills, customer {{customer_no}}: {{total_eur}}{{total_bgn_note}}, ' +
        'due {{oldest_due_date}}. Pay at {{pay_url}}',
      subject: 'Reminder of unpaid bills - customer no. {{customer_no}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'This is a reminder that there are unpaid electricity bills for customer no. {{customer_no}}.',
        DETAILS.en,
        PAY_WAYS.en,
        ALREADY_PAID.en,
        COSTS.en,
        HELP.en,
      ],
      action: PAY_ACTION.en,
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  overdue_second: {
    bg: {
      sms:
        '{{utility_short}}: Второ напомняне, кл.№ {{customer_no}}: {{total_eur}}{{total_bgn_note}}, ' +
        'падеж {{oldest_due_date}}. {{pay_url}}',
      subject: 'Второ напомняне за неплатени сметки – клиентски № {{customer_no}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Въпреки предходното ни напомняне сметките за електроенергия по клиентски № {{customer_no}} все още не са платени. Молим Ви да ги платите възможно най-скоро.',
        DETAILS.bg,
        PAY_WAYS.bg,
        ALREADY_PAID.bg,
        COSTS.bg,
        HELP.bg,
      ],
      action: PAY_ACTION.bg,
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms:
        '{{utility_short}}: 2nd reminder, customer {{customer_no}}: {{total_eur}}{{total_bgn_note}}, ' +
        'due {{oldest_due_date}}. Pay at {{pay_url}}',
      subject: 'Second reminder of unpaid bills - customer no. {{customer_no}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'Despite our previous reminder, the electricity bills for customer no. {{customer_no}} are still unpaid. Please pay them as soon as possible.',
        DETAILS.en,
        PAY_WAYS.en,
        ALREADY_PAID.en,
        COSTS.en,
        HELP.en,
      ],
      action: PAY_ACTION.en,
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  overdue_final: {
    bg: {
      sms:
        '{{utility_short}}: Кл.№{{customer_no}}: {{total_eur}}{{total_bgn_note}}, падеж {{oldest_due_date}}. ' +
        'Спиране след {{disconnection_date}} {{pay_url}}',
      subject: 'Последно напомняне: възможно прекъсване след {{disconnection_date}} – клиентски № {{customer_no}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Въпреки предходните ни напомняния сметките за електроенергия по клиентски № {{customer_no}} все още не са платени.',
        DETAILS.bg,
        FINAL_COSTS.bg,
        PAY_WAYS.bg,
        ALREADY_PAID.bg,
        HELP.bg,
      ],
      action: PAY_ACTION.bg,
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms:
        '{{utility_short}}: Customer {{customer_no}}: {{total_eur}}{{total_bgn_note}} due {{oldest_due_date}}. ' +
        'Cutoff after {{disconnection_date}} {{pay_url}}',
      subject: 'Final reminder: disconnection possible after {{disconnection_date}} - customer no. {{customer_no}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'Despite our previous reminders, the electricity bills for customer no. {{customer_no}} are still unpaid.',
        DETAILS.en,
        FINAL_COSTS.en,
        PAY_WAYS.en,
        ALREADY_PAID.en,
        HELP.en,
      ],
      action: PAY_ACTION.en,
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  verification_code: {
    bg: {
      sms: '{{utility_short}}: Кодът Ви за потвърждение е {{code}}. Валиден е {{minutes}} мин. Не го съобщавайте на никого.',
      subject: 'Вашият код за потвърждение',
      greeting: 'Здравейте,',
      body: [
        'Кодът Ви за потвърждение е: {{code}}',
        'Кодът е валиден {{minutes}} мин. Не го съобщавайте на никого, включително на наши служители.',
        'Ако не сте поискали този код, не е необходимо да правите нищо: без него абонаментът Ви няма да бъде променен.',
      ],
    },
    en: {
      sms: '{{utility_short}}: Your verification code is {{code}}. It is valid for {{minutes}} min. Do not share it with anyone.',
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
      sms: '{{utility_short}}: Абонаментът Ви е активиран ({{channel_bg}}: {{address_masked}}). Управление: {{manage_url}}',
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
      sms: '{{utility_short}}: Your notice subscription is active ({{channel_en}}: {{address_masked}}). Manage: {{manage_url}}',
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
      sms: '{{utility_short}}: Абонаментът Ви е променен ({{channel_bg}}: {{address_masked}}). Не сте Вие? Вижте {{manage_url}}',
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
      sms: '{{utility_short}}: Your subscription changed ({{channel_en}}: {{address_masked}}). Not you? Check {{manage_url}}',
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
      sms: '{{utility_short}}: Абонаментът Ви ({{channel_bg}}: {{address_masked}}) е прекратен. Нов абонамент: {{manage_url}}',
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
      sms: '{{utility_short}}: Your subscription ({{channel_en}}: {{address_masked}}) is cancelled. Resubscribe at {{manage_url}}',
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
      sms: '{{utility_short}}: Контактът Ви е сменен на {{address_masked}} ({{channel_bg}}). Не сте Вие? Вижте {{manage_url}}',
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
      sms: '{{utility_short}}: Your notice contact changed to {{address_masked}} ({{channel_en}}). Not you? Check {{manage_url}}',
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
  // Lifecycle messages (src/dunning/lifecycle/): before a bill falls due, after a payment, after
  // reconnection and the yearly contact check. SMS texts fit one part with the longest values.
  predue_reminder: {
    bg: {
      sms: '{{utility_short}}: Сметка за ток, кл. № {{customer_number_masked}}: {{amount_eur}}, падеж {{due_date}}. Плащане: {{pay_url}}',
      subject: 'Наближава падежът на сметката Ви за ток – клиентски № {{customer_number_masked}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Напомняме Ви, че наближава падежът на сметката Ви за електроенергия по клиентски № {{customer_number_masked}}.',
        'Фактура: {{invoice_number}}\nСума за плащане: {{amount_eur}}{{amount_bgn_note}}\nПадеж: {{due_date}}',
        'Платете до падежа, за да избегнете напомняния за просрочие. ' + WAYS_TO_PAY.bg,
        'Ако вече сте платили, благодарим Ви и не е необходимо да правите нищо.',
      ],
      action: PAY_ACTION.bg,
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms: '{{utility_short}}: Electricity bill, customer no. {{customer_number_masked}}: {{amount_eur}}, due {{due_date}}. Pay at {{pay_url}}',
      subject: 'Your electricity bill is due soon - customer no. {{customer_number_masked}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'This is a reminder that your electricity bill for customer no. {{customer_number_masked}} is due soon.',
        'Invoice: {{invoice_number}}\nAmount to pay: {{amount_eur}}{{amount_bgn_note}}\nDue date: {{due_date}}',
        'Pay by the due date to avoid overdue reminders. ' + WAYS_TO_PAY.en,
        'If you have already paid, thank you: you do not need to do anything.',
      ],
      action: PAY_ACTION.en,
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  payment_received: {
    bg: {
      sms: '{{utility_short}}: Благодарим! Получихме {{amount_eur}}{{amount_bgn_note}} по кл. № {{customer_number_masked}}. Просрочените сметки са платени.',
      subject: 'Благодарим Ви, получихме плащането – клиентски № {{customer_number_masked}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Благодарим Ви! Получихме плащане от {{amount_eur}}{{amount_bgn_note}} по клиентски № {{customer_number_masked}} на {{paid_on}}.',
        'С него просрочените сметки, за които Ви известихме, са платени и няма да получавате повече напомняния за тях.',
      ],
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms: '{{utility_short}}: Thank you! We received {{amount_eur}}{{amount_bgn_note}} for customer no. {{customer_number_masked}}. Your overdue bills are paid.',
      subject: 'Thank you, we received your payment - customer no. {{customer_number_masked}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'Thank you! We received a payment of {{amount_eur}}{{amount_bgn_note}} for customer no. {{customer_number_masked}} on {{paid_on}}.',
        'It pays the overdue bills we told you about, and you will get no more reminders about them.',
      ],
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  supply_restored: {
    bg: {
      sms: '{{utility_short}}: Получихме плащането по кл. № {{customer_number_masked}}. Захранването се възстановява до {{restore_hours}} ч., експресно до {{express_hours}} ч. срещу {{express_fee_eur}}.',
      subject: 'Плащането е получено: възстановяване на захранването – клиентски № {{customer_number_masked}}',
      greeting: 'Здравейте, {{customer_name}},',
      body: [
        'Благодарим Ви! Получихме плащане от {{amount_eur}}{{amount_bgn_note}} по клиентски № {{customer_number_masked}} на {{paid_on}} и просрочените сметки са платени изцяло.',
        'Обектът Ви е изваден от списъка за изключване. Ако захранването е било прекъснато, то ще бъде възстановено до {{restore_hours}} часа от получаване на плащането.',
        'Ако желаете по-бързо възстановяване, можете да заявите експресно възстановяване до {{express_hours}} часа срещу такса {{express_fee_eur}} на телефон {{utility_phone}}.',
      ],
      footer: UNSUBSCRIBE_FOOTER.bg,
    },
    en: {
      sms: '{{utility_short}}: We received your payment, customer no. {{customer_number_masked}}. Supply is restored within {{restore_hours}} h, express {{express_hours}} h for {{express_fee_eur}}.',
      subject: 'Payment received: restoring your supply - customer no. {{customer_number_masked}}',
      greeting: 'Dear {{customer_name}},',
      body: [
        'Thank you! We received a payment of {{amount_eur}}{{amount_bgn_note}} for customer no. {{customer_number_masked}} on {{paid_on}}, and the overdue bills are paid in full.',
        'Your premises are off the disconnection list. If the supply was disconnected, it will be restored within {{restore_hours}} hours of the payment reaching us.',
        'For a faster reconnection you can ask for express reconnection within {{express_hours}} hours, for a fee of {{express_fee_eur}}, on {{utility_phone}}.',
      ],
      footer: UNSUBSCRIBE_FOOTER.en,
    },
  },
  // Once a year (by policy) to a contact verified long ago, so that a stale one is found before a notice is lost.
  contact_check: {
    bg: {
      sms: '{{utility_short}}: Още ли е Ваш този контакт за известия за сметки за ток? Потвърдете или променете: {{manage_url}}',
      subject: 'Още ли е актуален контактът Ви за известия? – клиентски № {{customer_number_masked}}',
      greeting: 'Здравейте,',
      body: [
        'Веднъж годишно проверяваме дали контактите за известия за неплатени сметки са актуални, за да не пропуснете важно известие.',
        SUBSCRIPTION_DETAILS.bg,
        'Ако контактът все още е Ваш, моля, потвърдете го. Ако е променен, въведете новия. Ако не потвърдите, известията продължават да идват тук.',
      ],
      action: { label: 'Потвърдете или променете контакта', url: '{{manage_url}}' },
    },
    en: {
      sms: '{{utility_short}}: Is this still your contact for electricity bill notices? Confirm or change it at {{manage_url}}',
      subject: 'Is your contact for notices still up to date? - customer no. {{customer_number_masked}}',
      greeting: 'Hello,',
      body: [
        'Once a year we check that the contacts for unpaid-bill notices are up to date, so that you do not miss an important notice.',
        SUBSCRIPTION_DETAILS.en,
        'If the contact is still yours, please confirm it. If it has changed, enter the new one. If you do not confirm, notices keep coming here.',
      ],
      action: { label: 'Confirm or change your contact', url: '{{manage_url}}' },
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

// The logo above a rule in the brand colour, the button in the brand colour with the text
// colour derived for it (always 4.5:1 or more); links keep a blue that reads on white whatever the
// brand colour. The logo is an image from PUBLIC_URL/brand/logo: mail programs that block images
// show its alt text, the utility's name.
function htmlOf(lang: Lang, d: Draft): string {
  const lines = [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(d.subject)}</title></head>`,
    `<body style="margin:0;padding:0;background-color:#f3f4f6;">`,
    `<div style="max-width:600px;margin:0 auto;padding:24px;background-color:#ffffff;${FONT}font-size:16px;line-height:1.5;color:#1f2937;">`,
    `<p style="margin:0 0 24px;padding-bottom:12px;border-bottom:4px solid {{brand_colour}};"><img src="{{logo_url}}" alt="{{utility_name}}" height="48" style="display:block;height:48px;width:auto;border:0;"></p>`,
  ];
  lines.push(...[d.greeting, ...d.body].map((t) => `<p style="${P}">${inline(t)}</p>`));
  if (d.action) {
    lines.push(
      `<p style="margin:24px 0;"><a href="${d.action.url}" style="display:inline-block;padding:12px 24px;background-color:{{brand_colour}};color:{{brand_text_colour}};text-decoration:none;border-radius:4px;font-weight:bold;">${escapeHtml(d.action.label)}</a></p>`,
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
  predue_reminder: buildType(DRAFTS.predue_reminder),
  payment_received: buildType(DRAFTS.payment_received),
  supply_restored: buildType(DRAFTS.supply_restored),
  contact_check: buildType(DRAFTS.contact_check),
};
