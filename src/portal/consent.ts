import type { Lang } from '../delivery/text/default-templates.js';

/**
 * The consent text customers accept. A new wording gets a new version; the version accepted is
 * stored on each subscription and in the audit trail.
 */
export const consent: { version: string; text: Record<Lang, string> } = {
  version: '2026-01',
  text: {
    bg:
      'Съгласен/съгласна съм да получавам по SMS и/или имейл известия за неплатени сметки за електроенергия по посочения ' +
      'клиентски номер, както и съобщения за потвърждение, свързани с абонамента. Телефонът и имейлът ми се използват само ' +
      'за тази цел. Мога да се откажа по всяко време на този сайт или в център за обслужване на клиенти.',
    en:
      'I agree to receive notices about unpaid electricity bills for the customer number given, by SMS and/or email, and ' +
      'confirmation messages about this subscription. My phone and email are used for this purpose only. I can ' +
      'unsubscribe at any time on this site or at a customer service centre.',
  },
};
