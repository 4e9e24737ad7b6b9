import type { Lang } from '../../delivery/text/default-templates.js';
import type { RefusalReason } from '../refusal.js';

/** A text in both languages: Bulgarian first. */
export type Bi = Readonly<Record<Lang, string>>;

export const common = {
  service: { bg: 'Известия за неплатени сметки', en: 'Unpaid-bill notices' },
  utility: { bg: 'Електроснабдяване', en: 'Electricity supply' },
  skip: { bg: 'Към основното съдържание', en: 'Skip to main content' },
  switchTo: { bg: 'English', en: 'Български' },
  switchLabel: { bg: 'Switch to English', en: 'Превключете на български' },
  back: { bg: 'Назад', en: 'Back' },
  continue: { bg: 'Продължете', en: 'Continue' },
  errorPrefix: { bg: 'Грешка: ', en: 'Error: ' },
  errorSummary: { bg: 'Има проблем', en: 'There is a problem' },
  errorLabel: { bg: 'Грешка:', en: 'Error:' },
  sandbox: {
    bg: 'Пробна среда: съобщенията не се изпращат наистина. Кодът е в списъка на изпратените съобщения: ',
    en: 'Sandbox: messages are not really sent. The code is in the list of sent messages: ',
  },
  sandboxLink: { bg: 'пробна пощенска кутия', en: 'sandbox outbox' },
  footer: {
    bg: 'Телефонът и имейлът Ви се използват само за известия по абонамента. Можете да се откажете по всяко време.',
    en: 'Your phone and email are used only for the notices you subscribe to. You can unsubscribe at any time.',
  },
  phone: { bg: 'Център за обслужване на клиенти', en: 'Customer centre' },
  channelName: {
    sms: { bg: 'SMS', en: 'SMS' },
    email: { bg: 'Имейл', en: 'Email' },
  },
  expired: { bg: 'Страницата е изтекла', en: 'This page has expired' },
  expiredBody: {
    bg: 'От съображения за сигурност не запазихме отговора Ви. Моля, започнете отначало.',
    en: 'For your security we did not save your answer. Please start again.',
  },
  startAgain: { bg: 'Започнете отначало', en: 'Start again' },
  notFound: { bg: 'Страницата не е намерена', en: 'Page not found' },
  notFoundBody: { bg: 'Проверете адреса или започнете от началната страница.', en: 'Check the address or start from the home page.' },
  home: { bg: 'Начална страница', en: 'Home page' },
} satisfies Record<string, Bi | Record<string, Bi>>;

export const fieldErrors = {
  customerEmpty: { bg: 'Въведете клиентския си номер', en: 'Enter your customer number' },
  customerFormat: { bg: 'Клиентският номер трябва да съдържа от 4 до 16 цифри', en: 'Customer number must be 4 to 16 digits' },
  invoiceEmpty: { bg: 'Въведете номера на фактурата', en: 'Enter the invoice number' },
  invoiceFormat: {
    bg: 'Номерът на фактурата може да съдържа само цифри, латински букви, „/“ и „-“',
    en: 'Invoice number can only contain digits, Latin letters, “/” and “-”',
  },
  channelEmpty: { bg: 'Изберете как да получавате известия', en: 'Select how you want to get notices' },
  phoneFormat: { bg: 'Въведете български мобилен номер, например 0888 123 456', en: 'Enter a Bulgarian mobile number, like 0888 123 456' },
  emailFormat: { bg: 'Въведете имейл адрес във формат name@example.com', en: 'Enter an email address in the correct format, like name@example.com' },
  consentEmpty: { bg: 'Отбележете, че сте съгласни, за да продължите', en: 'Tick the box to agree before you continue' },
  codeEmpty: { bg: 'Въведете кода', en: 'Enter the code' },
  codeFormat: { bg: 'Кодът трябва да съдържа 6 цифри', en: 'The code must be 6 digits' },
  choiceEmpty: { bg: 'Изберете една от възможностите', en: 'Select one option' },
} satisfies Record<string, Bi>;

const minutes = (s: number | undefined) => Math.max(1, Math.ceil((s ?? 60) / 60));

/** The text of a refusal; `n` is the retry time in seconds or the tries left. */
export function refusalText(reason: RefusalReason, lang: Lang, n?: number): string {
  const texts: Record<RefusalReason, Bi> = {
    not_matched: {
      bg: 'Не намерихме фактура с този номер към този клиентски номер, издадена през последните 12 месеца. Проверете двата номера. След няколко неуспешни опита проверката се спира временно.',
      en: 'We could not find an invoice with this number for this customer number, issued in the last 12 months. Check both numbers. After several failed attempts, checking stops for a while.',
    },
    rate_limited: {
      bg: `Твърде много опити от Вашата мрежа. Опитайте отново след ${minutes(n)} мин.`,
      en: `Too many attempts from your network. Try again in ${minutes(n)} min.`,
    },
    contact_daily_limit: {
      bg: 'На този контакт вече изпратихме 3 кода за последните 24 часа. Опитайте отново утре.',
      en: 'We have already sent 3 codes to this contact in the last 24 hours. Try again tomorrow.',
    },
    customer_daily_limit: {
      bg: 'За този клиентски номер вече изпратихме днес всички позволени кодове. Опитайте отново утре или се обърнете към център за обслужване.',
      en: 'We have already sent all the codes allowed today for this customer number. Try again tomorrow or visit a customer centre.',
    },
    ip_code_limit: {
      bg: `Твърде много кодове от Вашата мрежа. Опитайте отново след ${minutes(n)} мин.`,
      en: `Too many codes from your network. Try again in ${minutes(n)} min.`,
    },
    sms_budget: {
      bg: `В момента не можем да изпращаме кодове по SMS. Опитайте отново след ${minutes(n)} мин. или изберете имейл.`,
      en: `We cannot send codes by SMS right now. Try again in ${minutes(n)} min or choose email.`,
    },
    contact_cap: {
      bg: 'Този контакт вече получава известия за максималния брой клиентски номера. Използвайте друг.',
      en: 'This contact already gets notices for the maximum number of customer numbers. Use another one.',
    },
    same_contact: {
      bg: 'Този контакт вече получава известия за този клиентски номер.',
      en: 'This contact already gets notices for this customer number.',
    },
    consent_required: { bg: 'Отбележете, че сте съгласни, за да продължите', en: 'Tick the box to agree before you continue' },
    wrong_code: {
      bg: `Кодът не е верен. Остават Ви ${n ?? 0} опита.`,
      en: `The code is not correct. You have ${n ?? 0} ${n === 1 ? 'try' : 'tries'} left.`,
    },
    code_expired: {
      bg: 'Кодът е изтекъл, използван или сгрешен 5 пъти. Поискайте нов код.',
      en: 'The code has expired, has been used or was entered wrongly 5 times. Ask for a new code.',
    },
    wrong_step: { bg: 'Започнете отначало.', en: 'Please start again.' },
  };
  return texts[reason][lang];
}
